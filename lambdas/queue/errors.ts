import { TidingsError } from '../errors.ts';

/**
 * Base class of errors a queue raises for a whole call (a batch it refuses outright, a stale
 * receipt handle). `code` is the SQS error code the error stands for, so code that talks to
 * SQS and code that talks to the in-memory queue can branch on the same value.
 */
export abstract class QueueError extends TidingsError {
  /** The SQS error code (the AWS SDK v3 exception name) this error mirrors. */
  abstract readonly code: string;

  constructor(
    /** The queue's name. */
    readonly queue: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** `sendBatch` was called with no entries (SQS `EmptyBatchRequest`). Permanent. */
export class EmptyBatchRequestError extends QueueError {
  readonly permanent = true;
  readonly code = 'EmptyBatchRequest';
  constructor(queue: string, options?: { cause?: unknown }) {
    super(queue, `a batch sent to queue "${queue}" must contain at least one entry`, options);
  }
}

/** `sendBatch` was called with more than 10 entries (SQS `TooManyEntriesInBatchRequest`). Permanent. */
export class TooManyEntriesInBatchRequestError extends QueueError {
  readonly permanent = true;
  readonly code = 'TooManyEntriesInBatchRequest';
  constructor(
    queue: string,
    /** How many entries the batch had. */
    readonly entries: number,
    /** The most entries a batch may have. */
    readonly max: number,
    options?: { cause?: unknown },
  ) {
    super(
      queue,
      `a batch sent to queue "${queue}" may contain at most ${max} entries, got ${entries}`,
      options,
    );
  }
}

/** Two entries of one batch share an id (SQS `BatchEntryIdsNotDistinct`). Permanent. */
export class BatchEntryIdsNotDistinctError extends QueueError {
  readonly permanent = true;
  readonly code = 'BatchEntryIdsNotDistinct';
  constructor(
    queue: string,
    /** The entry id that appears more than once. */
    readonly entryId: string,
    options?: { cause?: unknown },
  ) {
    super(
      queue,
      `entry id "${entryId}" appears more than once in a batch to queue "${queue}"`,
      options,
    );
  }
}

/**
 * An entry id is not 1 to 80 letters, digits, hyphens or underscores (SQS
 * `InvalidBatchEntryId`). Permanent.
 */
export class InvalidBatchEntryIdError extends QueueError {
  readonly permanent = true;
  readonly code = 'InvalidBatchEntryId';
  constructor(
    queue: string,
    /** The offending entry id. */
    readonly entryId: string,
    options?: { cause?: unknown },
  ) {
    super(
      queue,
      `entry id must be 1 to 80 letters, digits, hyphens or underscores: "${entryId}" (queue "${queue}")`,
      options,
    );
  }
}

/** The entries of one batch add up to more than the SQS size limit (SQS `BatchRequestTooLong`). Permanent. */
export class BatchRequestTooLongError extends QueueError {
  readonly permanent = true;
  readonly code = 'BatchRequestTooLong';
  constructor(
    queue: string,
    /** The batch's size in bytes (bodies plus attributes). */
    readonly bytes: number,
    /** The limit in bytes. */
    readonly maxBytes: number,
    options?: { cause?: unknown },
  ) {
    super(
      queue,
      `a batch to queue "${queue}" is ${bytes} bytes, over the limit of ${maxBytes}`,
      options,
    );
  }
}

/**
 * A receipt handle no longer names a message in flight: the message was received again since
 * (which issued a new handle), or it was deleted or dead-lettered, or the handle was never
 * issued (SQS `ReceiptHandleIsInvalid`). Permanent: that handle will never work again.
 */
export class ReceiptHandleInvalidError extends QueueError {
  readonly permanent = true;
  readonly code = 'ReceiptHandleIsInvalid';
  constructor(
    queue: string,
    /** The handle that was refused. */
    readonly receiptHandle: string,
    /** Why it is no longer valid. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      queue,
      `receipt handle "${receiptHandle}" on queue "${queue}" is invalid: ${reason}`,
      options,
    );
  }
}

/**
 * A single `send` was refused for the entry itself (what `sendBatch` reports in `failed`).
 * Permanent when the queue blamed the sender (the message is malformed), transient otherwise.
 */
export class MessageRejectedError extends QueueError {
  readonly permanent: boolean;
  readonly code: string;
  constructor(
    queue: string,
    /** The entry id of the refused message. */
    readonly entryId: string,
    /** The per-entry error code, e.g. `InvalidParameterValue`. */
    code: string,
    /** True when the message itself is wrong. */
    readonly senderFault: boolean,
    detail?: string,
    options?: { cause?: unknown },
  ) {
    super(
      queue,
      `queue "${queue}" refused message "${entryId}": ${code}${detail ? `: ${detail}` : ''}`,
      options,
    );
    this.code = code;
    this.permanent = senderFault;
  }
}

/**
 * The queue could not take a call at all (SQS throttling or an outage). Raised by fault
 * injection in tests and chaos runs, and by SQS adapters mapping 5xx responses. Transient.
 */
export class QueueUnavailableError extends QueueError {
  readonly permanent = false;
  readonly code: string;
  constructor(
    queue: string,
    /** The SQS error code, e.g. `ServiceUnavailable` or `ThrottlingException`. */
    code = 'ServiceUnavailable',
    options?: { cause?: unknown },
  ) {
    super(queue, `queue "${queue}" is unavailable: ${code}`, options);
    this.code = code;
  }
}
