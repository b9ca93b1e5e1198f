import { TidingsError } from '../errors.ts';
import type { CancellationReason } from '../outbox/errors.ts';

/** Base class of errors from calls to AWS services that Tidings makes. */
export abstract class AwsError extends TidingsError {}

/** Cancellation codes that say "try again", not "this transaction is wrong". */
export const TRANSIENT_CANCELLATION_CODES: ReadonlySet<string> = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
]);

/**
 * Whether DynamoDB's cancellation reasons show only contention: every reason that is not
 * `None` is a transaction conflict or throttling, and at least one is. A retry of the same
 * transaction may then succeed; a failed condition or a validation error never will.
 */
export function isTransientCancellation(reasons: readonly CancellationReason[]): boolean {
  const failed = reasons.filter((reason) => reason.code !== 'None');
  return (
    failed.length > 0 && failed.every((reason) => TRANSIENT_CANCELLATION_CODES.has(reason.code))
  );
}

/**
 * DynamoDB cancelled a transaction for contention only (another transaction held an item,
 * or a partition was throttled) and the SDK's retries did not get it through. Nothing was
 * written. Transient: the same transaction can be sent again.
 */
export class TransactionContentionError extends AwsError {
  readonly permanent = false;

  constructor(
    /** DynamoDB's reasons, lined up with the transaction's items. */
    readonly reasons: readonly CancellationReason[],
    options?: { cause?: unknown },
  ) {
    super(
      `transaction cancelled for contention, retry it: [${reasons.map((r) => r.code).join(', ')}]`,
      options,
    );
  }
}

const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'RequestLimitExceeded',
  'LimitExceededException',
  'TransactionConflictException',
  'TransactionInProgressException',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** The shape of an AWS SDK v3 error, as far as retry decisions go. */
interface SdkErrorLike {
  readonly name?: unknown;
  readonly $fault?: unknown;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

/**
 * Whether an AWS SDK error may pass with time: throttling, 5xx, timeouts and network errors
 * (which carry no `$fault`). A client fault that is none of these (validation, a missing
 * table, denied access, a reused request token) is permanent.
 */
export function isTransientAwsError(error: unknown): boolean {
  if (error instanceof TidingsError) return !error.permanent;
  const sdk = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorLike;
  if (typeof sdk.name === 'string' && TRANSIENT_CODES.has(sdk.name)) return true;
  if (sdk.$retryable) return true;
  const status = sdk.$metadata?.httpStatusCode;
  if (typeof status === 'number' && (status >= 500 || status === 429)) return true;
  if (sdk.$fault === 'server') return true;
  return sdk.$fault !== 'client';
}

/**
 * A DynamoDB call failed as a whole. `code` is the SDK error's name; `permanent` is false for
 * throttling, 5xx, timeouts and network errors, true for requests DynamoDB refuses every
 * time. The SDK's error is the `cause`.
 */
export class DynamoDbRequestError extends AwsError {
  readonly permanent: boolean;
  readonly code: string;

  constructor(
    /** The DynamoDB action, e.g. `TransactWriteItems`. */
    readonly action: string,
    cause: unknown,
  ) {
    const name = (cause as SdkErrorLike | null)?.name;
    const code = typeof name === 'string' && name ? name : 'UnknownError';
    const detail = cause instanceof Error && cause.message ? `: ${cause.message}` : '';
    const permanent = !isTransientAwsError(cause);
    super(`${action} failed (${permanent ? 'permanent' : 'transient'}): ${code}${detail}`, {
      cause,
    });
    this.code = code;
    this.permanent = permanent;
  }
}
