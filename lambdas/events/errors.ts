import { TidingsError } from '../errors.ts';

/** Base class of errors about event envelopes and queue messages. */
export abstract class EventError extends TidingsError {}

/** A queue message carries no event type, so it cannot be routed. Permanent. */
export class MissingEventTypeError extends EventError {
  readonly permanent = true;
  constructor(readonly messageId: string) {
    super(`queue message "${messageId}" has no event type`);
  }
}

/** A queue message has no usable `eventId` header and an empty message id. Permanent. */
export class MissingMessageIdError extends EventError {
  readonly permanent = true;
  constructor(readonly queue: string) {
    super(
      `queue message on "${queue}" has an empty message id and no valid eventId header: cannot derive an event id`,
    );
  }
}

/** A message body or stream image is not a valid Tidings envelope. Permanent. */
export class InvalidEnvelopeError extends EventError {
  readonly permanent = true;
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`invalid event envelope: ${reason}`, options);
  }
}
