import { isSqsQueueName } from '../queue/sqsLimits.ts';
import {
  checkPayloadSchemas,
  type EventTypeOf,
  type PayloadOutput,
  type PayloadSchemas,
  validateEventPayload,
} from './payloadSchemas.ts';

/**
 * A queue events are relayed to, and the schema its consumer validates payloads with: one
 * Standard Schema for every event type, or a map with one schema per event type.
 */
export interface QueueSpec<S extends PayloadSchemas = PayloadSchemas> {
  readonly name: string;
  readonly schema: S;
  /**
   * Validates a consumed payload with the schema of `eventType` and returns its output.
   * @throws PayloadValidationError (permanent) naming the failing fields.
   * @throws UnknownEventTypeError (permanent) when the map has no schema for `eventType`,
   *   or no `eventType` is given to a queue with a map.
   */
  parse<T extends EventTypeOf<S>>(payload: unknown, eventType?: T): PayloadOutput<S, T>;
  /**
   * A consumed event's type may be any string; with a map, one it lacks throws
   * `UnknownEventTypeError`. The result is `unknown` until narrowed by the type: typing it
   * as the union of the map's outputs would stop a `QueueSpec<typeof map>` from being
   * assignable to the plain `QueueSpec` the consumer takes.
   */
  parse(payload: unknown, eventType: string): unknown;
}

/**
 * Declares a queue: its name (an SQS queue name) and the Standard Schema (zod 4 by default),
 * or map of event type to Standard Schema, payloads are validated with on consume.
 *
 * @throws TypeError when the name is not an SQS queue name, or `schema` is neither a
 *   Standard Schema nor a non-empty map of them (naming the bad key).
 *
 * @example
 * const notifications = defineQueue({
 *   name: 'notifications',
 *   schema: { 'user.registered': UserRegistered, 'order.shipped': OrderShipped },
 * });
 */
export function defineQueue<S extends PayloadSchemas>(options: {
  name: string;
  schema: S;
}): QueueSpec<S> {
  if (!isSqsQueueName(options.name)) {
    throw new TypeError(
      `queue name must be 1-80 letters, digits, - or _ (optionally ending .fifo): ${JSON.stringify(options.name)}`,
    );
  }
  const source = `queue "${options.name}"`;
  const schema = checkPayloadSchemas(options.schema, source);
  return Object.freeze({
    name: options.name,
    schema,
    // The payload was validated with the schema of `eventType`, so it is that schema's output.
    parse: ((payload: unknown, eventType?: string) =>
      validateEventPayload(schema, payload, source, eventType)) as QueueSpec<S>['parse'],
  });
}
