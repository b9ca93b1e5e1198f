import { type Clock, isUuid, type RandomBytes, uuidv7 } from '../events/ids.ts';
import type { EnvelopeMetadata, IntegrationEvent } from '../events/types.ts';
import {
  checkPayloadSchemas,
  type EventTypeOf,
  type PayloadInput,
  type PayloadOutput,
  type PayloadSchemas,
  validateEventPayload,
} from './payloadSchemas.ts';

/** Per-event options when staging: envelope metadata, and an explicit id if the caller has one. */
export interface StageOptions extends EnvelopeMetadata {
  /** Use this UUID instead of a fresh UUID v7 (e.g. to make a retried request idempotent). */
  readonly eventId?: string;
}

/**
 * An outbox: where a producer stages events, each validated with its type's schema. `S` is one
 * Standard Schema for every event type, or a map with one schema per event type. Which queue
 * the events reach is the relay's to say (the queue it is given), not the outbox's.
 */
export interface OutboxSpec<S extends PayloadSchemas = PayloadSchemas> {
  readonly name: string;
  readonly schema: S;
  /**
   * Validates the payload with the schema of `eventType` and builds the event to write in
   * the producer's transaction. Writes nothing itself. With a map, `eventType` must be one
   * of its keys and `payload` that type's schema input.
   * @throws PayloadValidationError naming the failing fields; nothing is staged.
   * @throws UnknownEventTypeError when the map has no schema for `eventType`; nothing is staged.
   * @throws TypeError when `options.eventId` is not a UUID, or `options.orderingKey` is not
   *   1-128 printable ASCII characters without spaces (what SQS takes as a `MessageGroupId`).
   */
  stage<T extends EventTypeOf<S>>(
    eventType: T,
    payload: PayloadInput<S, T>,
    options?: StageOptions,
  ): IntegrationEvent<PayloadOutput<S, T>>;
}

/** Options of `defineOutbox`. `clock` and `random` are for tests and repeatable runs. */
export interface DefineOutboxOptions<S extends PayloadSchemas> {
  /**
   * 1-80 letters, digits, `-`, `_` or `.`, not `.` or `..` alone. Outbox items carry it, and
   * it is the CloudEvents `source` (`tidings/<name>`), which must be a URI reference.
   */
  readonly name: string;
  /** A Standard Schema for every event type, or a map of event type to Standard Schema. */
  readonly schema: S;
  readonly clock?: Clock;
  readonly random?: RandomBytes;
}

/**
 * Declares an outbox. `schema` is any Standard Schema (zod 4 by default), or a map of event
 * type to Standard Schema; every staged payload is validated with its type's schema before
 * it can reach a transaction.
 *
 * @throws TypeError when the name is not 1-80 letters, digits, `-`, `_` or `.` (or is `.` or
 *   `..`), or `schema` is neither a Standard Schema nor a non-empty map of them (naming the
 *   bad key).
 *
 * @example
 * const users = defineOutbox({
 *   name: 'users',
 *   schema: { 'user.registered': UserRegistered, 'user.deleted': UserDeleted },
 * });
 * const event = users.stage('user.registered', { userId, email });
 */
export function defineOutbox<S extends PayloadSchemas>(
  options: DefineOutboxOptions<S>,
): OutboxSpec<S> {
  if (typeof options.name !== 'string' || !OUTBOX_NAME.test(options.name)) {
    throw new TypeError(
      `outbox name must be 1-80 letters, digits, "-", "_" or "." (not "." or ".." alone), so its CloudEvents source tidings/<name> is a URI reference: ${JSON.stringify(options.name)}`,
    );
  }
  const clock = options.clock ?? Date.now;
  const source = `outbox "${options.name}"`;
  const schema = checkPayloadSchemas(options.schema, source);

  function stage(
    eventType: string,
    payload: unknown,
    stageOptions: StageOptions = {},
  ): IntegrationEvent {
    if (!eventType.trim()) throw new TypeError(`${source}: eventType must not be empty`);
    if (stageOptions.eventId !== undefined && !isUuid(stageOptions.eventId)) {
      throw new TypeError(`${source}: eventId must be a UUID: "${stageOptions.eventId}"`);
    }
    // Checked for every queue, not only FIFO ones: ordering can be turned on later, and the
    // staged events then reach a FIFO queue.
    if (stageOptions.orderingKey !== undefined && !ORDERING_KEY.test(stageOptions.orderingKey)) {
      throw new TypeError(
        `${source}: orderingKey must be 1-128 printable ASCII characters without spaces (an SQS MessageGroupId), got ${JSON.stringify(stageOptions.orderingKey.slice(0, 140))} (${stageOptions.orderingKey.length} characters)`,
      );
    }
    const value = validateEventPayload(schema, payload, source, eventType);
    const { eventId, ...metadata } = stageOptions;
    return {
      eventId: eventId?.toLowerCase() ?? uuidv7(clock, options.random),
      eventType,
      payload: value,
      occurredAt: new Date(clock()).toISOString(),
      ...withoutUndefined(metadata),
    };
  }

  return Object.freeze({
    name: options.name,
    schema,
    // The payload was validated with the schema of `eventType`, so it is that schema's output.
    stage: stage as OutboxSpec<S>['stage'],
  });
}

/**
 * An outbox name: RFC 3986 unreserved characters but `~`, so `tidings/<name>` is a URI
 * reference as it stands (no percent-encoding to agree on), and `defineNotifications`' names
 * (letters, digits, `-`, `_`) are all outbox names. `.` and `..` alone are dot segments,
 * which resolving a reference removes.
 */
const OUTBOX_NAME = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,80}$/;

/**
 * What SQS accepts as a FIFO `MessageGroupId`: 1-128 letters, digits and ASCII punctuation.
 * The relay sends the ordering key as the group id, so a key outside it would be refused at
 * the relay, long after the producer could have been told.
 */
const ORDERING_KEY = /^[\x21-\x7E]{1,128}$/;

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
