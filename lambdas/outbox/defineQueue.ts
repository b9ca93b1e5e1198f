import type { StandardSchemaV1 } from '@standard-schema/spec';
import { validatePayload } from './validatePayload.ts';

/** A queue events are relayed to, and the schema its consumer validates payloads with. */
export interface QueueSpec<S extends StandardSchemaV1 = StandardSchemaV1> {
  readonly name: string;
  readonly schema: S;
  /**
   * Validates a consumed payload.
   * @throws PayloadValidationError (permanent) naming the failing fields.
   */
  parse(payload: unknown, eventType?: string): StandardSchemaV1.InferOutput<S>;
}

const NAME_PATTERN = /^(?=.{1,80}$)[A-Za-z0-9_-]+(\.fifo)?$/;

/**
 * Declares a queue: its name (an SQS queue name) and the Standard Schema (zod 4 by default)
 * payloads are validated with on consume.
 *
 * @example
 * const notifications = defineQueue({ name: 'notifications', schema: UserRegistered });
 */
export function defineQueue<S extends StandardSchemaV1>(options: {
  name: string;
  schema: S;
}): QueueSpec<S> {
  if (!NAME_PATTERN.test(options.name)) {
    throw new TypeError(
      `queue name must be 1-80 letters, digits, - or _ (optionally ending .fifo): ${JSON.stringify(options.name)}`,
    );
  }
  const source = `queue "${options.name}"`;
  return Object.freeze({
    name: options.name,
    schema: options.schema,
    parse: (payload: unknown, eventType?: string) =>
      validatePayload(options.schema, payload, source, eventType),
  });
}
