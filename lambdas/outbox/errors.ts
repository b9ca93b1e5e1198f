import { TidingsError } from '../errors.ts';

/** Base class of errors about staging, storing and relaying outbox events. */
export abstract class OutboxError extends TidingsError {}

/** One field that failed schema validation. */
export interface SchemaIssue {
  /** Dotted path of the field, `(root)` for the value itself. */
  readonly path: string;
  readonly message: string;
}

/**
 * A payload did not match its schema. Nothing was staged (or, on consume, the message goes
 * to the dead-letter queue). Permanent.
 */
export class PayloadValidationError extends OutboxError {
  readonly permanent = true;
  constructor(
    /** Which outbox or queue validated the payload. */
    readonly source: string,
    readonly eventType: string | undefined,
    readonly issues: readonly SchemaIssue[],
  ) {
    super(
      `${eventType ? `"${eventType}" ` : ''}payload rejected by ${source}: ${issues
        .map((i) => `${i.path}: ${i.message}`)
        .join('; ')}`,
    );
  }
}

/** The schema validates asynchronously; staging must be synchronous to build transactions. */
export class AsyncSchemaError extends OutboxError {
  readonly permanent = true;
  constructor(readonly source: string) {
    super(`the schema of ${source} validates asynchronously; use a synchronous schema`);
  }
}

/** A stored outbox item cannot be turned back into an event. Permanent. */
export class CorruptOutboxItemError extends OutboxError {
  readonly permanent = true;
  constructor(
    readonly reason: string,
    readonly key?: string,
  ) {
    super(`corrupt outbox item${key ? ` ${key}` : ''}: ${reason}`);
  }
}

/**
 * Dead-lettered outbox items that were to be kept in the table could not be set aside (taken
 * out of the pending index): they stay pending, and the next sweep dead-letters them again.
 * Transient: a later attempt may succeed.
 */
export class OutboxSetAsideError extends OutboxError {
  readonly permanent = false;

  constructor(
    /** The `pk` of each item that may still be pending. */
    readonly keys: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(
      `could not set aside ${keys.length} dead-lettered outbox item(s): ${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', ...' : ''}`,
      options,
    );
  }
}

/** Why one item of a transaction was cancelled, in the order the items were given. */
export interface CancellationReason {
  /** `None` for items that were fine, e.g. `ConditionalCheckFailed` for the culprit. */
  readonly code: string;
  readonly message?: string;
}

/**
 * A transaction was cancelled: nothing in it was written. `reasons` lines up with the items,
 * as DynamoDB's `CancellationReasons` do, so a caller can tell which condition failed.
 */
export class TransactionCanceledError extends OutboxError {
  readonly permanent = true;
  constructor(
    readonly reasons: readonly CancellationReason[],
    options?: { cause?: unknown },
  ) {
    super(`transaction cancelled: [${reasons.map((r) => r.code).join(', ')}]`, options);
  }
}

/**
 * An outbox or queue with a schema per event type was given a type it has no schema for: an
 * outbox stages nothing, a queue's consumer dead-letters the message, the relay dead-letters
 * the item. Permanent: the type stays unknown until the spec lists it.
 */
export class UnknownEventTypeError extends OutboxError {
  readonly permanent = true;
  constructor(
    /** Which outbox or queue was asked, e.g. `outbox "users"`. */
    readonly source: string,
    /** The type asked for; `undefined` when none was given. */
    readonly eventType: string | undefined,
    /** The event types the spec has a schema for. */
    readonly knownTypes: readonly string[],
  ) {
    super(
      `${source} has no schema for ${eventType === undefined ? 'an event without a type' : `event type ${JSON.stringify(eventType)}`}; it knows ${knownTypes.map((t) => JSON.stringify(t)).join(', ')}`,
    );
  }
}

/**
 * A whole `sendBatch` call failed while relaying. Always transient for the relay, whatever
 * the cause: a refused call (access denied, a missing queue, throttling) says nothing about
 * any one event, so the events are retried and never dead-lettered for it.
 */
export class RelayQueueCallError extends OutboxError {
  readonly permanent = false;

  constructor(
    /** How many messages the failed call carried. */
    readonly entries: number,
    cause: unknown,
  ) {
    super(
      `sending a batch of ${entries} to the queue failed: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`,
      { cause },
    );
  }
}
