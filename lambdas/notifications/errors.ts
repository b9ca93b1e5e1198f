import { TidingsError } from '../errors.ts';
import type { NotificationKind } from './types.ts';

/** Base class of errors about routing, validating and sending notifications. */
export abstract class NotificationError extends TidingsError {}

/** A field of a notification that failed validation. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/** A notification failed validation before sending. Permanent: resending cannot fix it. */
export class InvalidNotificationError extends NotificationError {
  readonly permanent = true;
  constructor(
    readonly kind: string,
    readonly issues: readonly FieldIssue[],
  ) {
    super(
      `invalid ${kind} notification: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    );
  }
}

/** A notification's `kind` is none of the known channels. Permanent. */
export class UnknownNotificationKindError extends NotificationError {
  readonly permanent = true;
  constructor(readonly kind: unknown) {
    super(`unknown notification kind: ${JSON.stringify(kind)} (expected email, push or webhook)`);
  }
}

/** No mapper is registered for an event type (from `resolveOrThrow`). Permanent. */
export class UnmappedEventTypeError extends NotificationError {
  readonly permanent = true;
  constructor(
    readonly eventType: string,
    readonly eventId?: string,
  ) {
    super(`no notification mapper registered for event type "${eventType}"`);
  }
}

/** A second mapper was registered for the same event type. A programming error. */
export class DuplicateMapperError extends NotificationError {
  readonly permanent = true;
  constructor(readonly eventType: string) {
    super(`a notification mapper is already registered for event type "${eventType}"`);
  }
}

/** `register` was called on a frozen router. A programming error. */
export class FrozenRouterError extends NotificationError {
  readonly permanent = true;
  constructor(readonly eventType: string) {
    super(`cannot register "${eventType}": the router is frozen`);
  }
}

/**
 * A mapper threw. Carries the event type and id; the mapper's error is the `cause`. Permanent
 * unless the cause is a transient Tidings error (mappers are meant to be pure functions).
 */
export class MapperError extends NotificationError {
  readonly permanent: boolean;
  constructor(
    readonly eventType: string,
    readonly eventId: string,
    cause: unknown,
  ) {
    super(
      `mapper for "${eventType}" failed on event ${eventId}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.permanent = !(cause instanceof TidingsError) || cause.permanent;
  }
}

/**
 * A provider refused or failed to send a notification. Senders throw this with `permanent`
 * set from what the provider said: SES `MessageRejected`, SNS `EndpointDisabled`, webhook
 * 4xx are permanent; throttling, 5xx and timeouts are transient.
 */
export class SendError extends NotificationError {
  readonly permanent: boolean;
  /** The channel that failed. */
  readonly channel: NotificationKind;
  /** A short machine-readable reason, e.g. `MessageRejected`, `http-503`, `timeout`. */
  readonly reason: string;
  /** How long the provider asked us to wait before retrying, if it said. */
  readonly retryAfterSeconds?: number;

  constructor(init: {
    channel: NotificationKind;
    reason: string;
    permanent: boolean;
    message: string;
    retryAfterSeconds?: number;
    cause?: unknown;
  }) {
    super(init.message, { cause: init.cause });
    this.channel = init.channel;
    this.reason = init.reason;
    this.permanent = init.permanent;
    if (init.retryAfterSeconds !== undefined) this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/**
 * The ledger already holds an unexpired claim on a notification: retry later. Transient.
 * `retryAfterSeconds` is the time left on the holder's lease, when the ledger said, so the
 * retry comes after the lease instead of finding it held again.
 */
export class NotificationInProgressError extends NotificationError {
  readonly permanent = false;
  /** Seconds until the holder's lease ends (rounded up past it), if the ledger said. */
  readonly retryAfterSeconds?: number;

  constructor(
    readonly notificationId: string,
    retryAfterSeconds?: number,
  ) {
    super(
      `notification ${notificationId} is being sent by another worker${
        retryAfterSeconds === undefined ? '' : `; its lease ends within ${retryAfterSeconds} s`
      }`,
    );
    if (retryAfterSeconds !== undefined) this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * One or more notifications of an event failed. `outcomes` says which; the error is
 * permanent only when every failure is (so a mix is retried, and the ledger makes the retry
 * send only what did not complete).
 */
export class NotificationDeliveryError extends NotificationError {
  readonly permanent: boolean;
  constructor(
    readonly eventType: string,
    readonly eventId: string,
    readonly outcomes: readonly NotificationOutcomeLike[],
  ) {
    const failed = outcomes.filter((o) => o.status === 'failed');
    super(
      `${failed.length} of ${outcomes.length} notifications for "${eventType}" event ${eventId} failed: ${failed
        .map((o) => `#${o.index} ${o.kind}: ${o.error?.message ?? 'unknown error'}`)
        .join('; ')}`,
      { cause: failed[0]?.error },
    );
    this.permanent = failed.every((o) => o.error instanceof TidingsError && o.error.permanent);
  }
}

/** The part of a notification outcome `NotificationDeliveryError` reads. */
export interface NotificationOutcomeLike {
  readonly index: number;
  readonly kind: string;
  readonly status: 'sent' | 'skipped' | 'failed';
  readonly error?: Error;
}
