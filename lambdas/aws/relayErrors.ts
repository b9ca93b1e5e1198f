import { errorName, TidingsError } from '../errors.ts';
import { OutboxError } from '../outbox/errors.ts';
import { QueueError } from '../queue/errors.ts';

/** The shape of an AWS SDK v3 service exception, as far as retry decisions go. */
interface SdkErrorLike {
  readonly name?: unknown;
  readonly $fault?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
  readonly $retryable?: { readonly throttling?: unknown };
}

const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'KmsThrottled',
  'SlowDown',
]);

/** The error code of an AWS SDK error (its `name`), or `UnknownError`. */
export function sdkErrorCode(error: unknown): string {
  return errorName(error);
}

/**
 * Whether an AWS SDK error will fail the same way on every attempt: the service blamed the
 * request (`$fault === 'client'`) and it is not throttling or a timeout. Server faults,
 * throttling and network errors (which carry no `$fault`) are transient.
 */
export function isPermanentSdkError(error: unknown): boolean {
  if (error instanceof TidingsError) return error.permanent;
  const sdk = error as SdkErrorLike | null;
  if (sdk?.$fault !== 'client') return false;
  const status = sdk.$metadata?.httpStatusCode;
  if (status === 429 || status === 408) return false;
  if (sdk.$retryable?.throttling === true) return false;
  return !THROTTLING_CODES.has(sdkErrorCode(error));
}

/**
 * An SQS call failed as a whole (`SendMessageBatch`, `SendMessage`, `ChangeMessageVisibility`):
 * nothing in it was applied. `code` is the SDK error's name; `permanent` follows the SDK's
 * fault (a client fault other than throttling is permanent).
 */
export class SqsRequestError extends QueueError {
  readonly permanent: boolean;
  readonly code: string;

  constructor(
    queue: string,
    /** The SQS action that failed, e.g. `SendMessageBatch`. */
    readonly action: string,
    cause: unknown,
  ) {
    const code = sdkErrorCode(cause);
    const detail = cause instanceof Error && cause.message ? `: ${cause.message}` : '';
    super(queue, `${action} on queue "${queue}" failed: ${code}${detail}`, { cause });
    this.code = code;
    this.permanent = isPermanentSdkError(cause);
  }
}

/**
 * Relayed outbox items could not all be deleted. Transient; the items stay pending, so the
 * sweeper may relay them again (consumers deduplicate by event id).
 */
export class OutboxDeleteError extends OutboxError {
  readonly permanent = false;

  constructor(
    /** Event ids whose outbox items may still be in the table. */
    readonly eventIds: readonly string[],
    cause?: unknown,
  ) {
    super(
      `could not delete ${eventIds.length} relayed outbox item(s): ${eventIds.slice(0, 5).join(', ')}${eventIds.length > 5 ? ', ...' : ''}`,
      { cause },
    );
  }
}

/**
 * Reading pending outbox items failed: a `BatchGetItem` kept returning unprocessed keys.
 * Transient.
 */
export class PendingOutboxReadError extends OutboxError {
  readonly permanent = false;

  constructor(
    /** How many keys were still unread. */
    readonly unread: number,
    cause?: unknown,
  ) {
    super(`could not read ${unread} pending outbox item(s) after retries`, { cause });
  }
}

/**
 * A record could not be put on a dead-letter queue. Transient: the caller reports the record
 * as failed so it is retried rather than lost.
 */
export class DeadLetterSendError extends QueueError {
  readonly permanent = false;
  readonly code: string;

  constructor(
    queue: string,
    /** What the dead letter was for: a message id or a stream sequence number. */
    readonly recordId: string,
    code: string,
    detail?: string,
    options?: { cause?: unknown },
  ) {
    super(
      queue,
      `dead-lettering "${recordId}" to queue "${queue}" failed: ${code}${detail ? `: ${detail}` : ''}`,
      options,
    );
    this.code = code;
  }
}

/**
 * A stream record failed to relay but carries no sequence number, so it cannot be reported
 * as a batch item failure; the relay fails the whole invocation instead of reporting success.
 */
export class MissingSequenceNumberError extends TidingsError {
  readonly permanent = false;

  constructor(
    /** The stream record's `eventID`, if it has one. */
    readonly recordId: string | undefined,
  ) {
    super(
      `stream record ${JSON.stringify(recordId ?? null)} failed to relay and has no sequence number to report`,
    );
  }
}
