import type { StandardSchemaV1 } from '@standard-schema/spec';
import { type Clock, isUuid, type RandomBytes, uuidv7 } from '../events/ids.ts';
import type { EnvelopeMetadata, IntegrationEvent } from '../events/types.ts';
import type { QueueSpec } from './defineQueue.ts';
import { validatePayload } from './validatePayload.ts';

/** Per-event options when staging: envelope metadata, and an explicit id if the caller has one. */
export interface StageOptions extends EnvelopeMetadata {
  /** Use this UUID instead of a fresh UUID v7 (e.g. to make a retried request idempotent). */
  readonly eventId?: string;
}

/** An outbox: where a producer stages events, and which queue the relay moves them to. */
export interface OutboxSpec<S extends StandardSchemaV1 = StandardSchemaV1> {
  readonly name: string;
  readonly schema: S;
  /** The queue the relay sends this outbox's events to. */
  readonly destination: string;
  /**
   * Validates the payload and builds the event to write in the producer's transaction.
   * Writes nothing itself.
   * @throws PayloadValidationError naming the failing fields; nothing is staged.
   */
  stage(
    eventType: string,
    payload: StandardSchemaV1.InferInput<S>,
    options?: StageOptions,
  ): IntegrationEvent<StandardSchemaV1.InferOutput<S>>;
}

/** Options of `defineOutbox`. `clock` and `random` are for tests and repeatable runs. */
export interface DefineOutboxOptions<S extends StandardSchemaV1> {
  readonly name: string;
  readonly schema: S;
  /** A queue spec or a queue name. */
  readonly destination: QueueSpec | string;
  readonly clock?: Clock;
  readonly random?: RandomBytes;
}

/**
 * Declares an outbox. `schema` is any Standard Schema (zod 4 by default); every staged
 * payload is validated with it before it can reach a transaction.
 *
 * @example
 * const users = defineOutbox({ name: 'users', schema: UserRegistered, destination: queue });
 * const event = users.stage('user.registered', { userId, email });
 */
export function defineOutbox<S extends StandardSchemaV1>(
  options: DefineOutboxOptions<S>,
): OutboxSpec<S> {
  if (!options.name.trim()) throw new TypeError('outbox name must not be empty');
  const destination =
    typeof options.destination === 'string' ? options.destination : options.destination.name;
  if (!destination) throw new TypeError(`outbox "${options.name}" needs a destination queue`);
  const clock = options.clock ?? Date.now;
  const source = `outbox "${options.name}"`;
  return Object.freeze({
    name: options.name,
    schema: options.schema,
    destination,
    stage(eventType: string, payload: unknown, stageOptions: StageOptions = {}) {
      if (!eventType.trim()) throw new TypeError(`${source}: eventType must not be empty`);
      if (stageOptions.eventId !== undefined && !isUuid(stageOptions.eventId)) {
        throw new TypeError(`${source}: eventId must be a UUID: "${stageOptions.eventId}"`);
      }
      const value = validatePayload(options.schema, payload, source, eventType);
      const { eventId, ...metadata } = stageOptions;
      return {
        eventId: eventId?.toLowerCase() ?? uuidv7(clock, options.random),
        eventType,
        payload: value,
        occurredAt: new Date(clock()).toISOString(),
        ...withoutUndefined(metadata),
      };
    },
  });
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
