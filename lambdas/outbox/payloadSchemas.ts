import type { StandardSchemaV1 } from '@standard-schema/spec';
import { UnknownEventTypeError } from './errors.ts';
import { validatePayload } from './validatePayload.ts';

/** A Standard Schema per event type: `{ 'user.registered': UserRegistered, ... }`. */
export type EventSchemas = { readonly [eventType: string]: StandardSchemaV1 };

/**
 * The `schema` of an outbox or queue: one Standard Schema for every event type, or a map with
 * one per event type. A value with a `~standard` property is a schema, anything else a map.
 */
export type PayloadSchemas = StandardSchemaV1 | EventSchemas;

/** The event types a spec takes: any string with one schema, the map's keys with a map. */
export type EventTypeOf<S extends PayloadSchemas> = S extends StandardSchemaV1
  ? string
  : Extract<keyof S, string>;

/** The schema that validates payloads of event type `T` (of each type, for a union). */
export type SchemaOf<S extends PayloadSchemas, T extends string> = S extends StandardSchemaV1
  ? S
  : S extends EventSchemas
    ? S[T & keyof S]
    : never;

/** What a payload of event type `T` must be before validation: its schema's input. */
export type PayloadInput<S extends PayloadSchemas, T extends string> = InputOf<SchemaOf<S, T>>;

/** What a payload of event type `T` is after validation: its schema's output. */
export type PayloadOutput<S extends PayloadSchemas, T extends string> = OutputOf<SchemaOf<S, T>>;

// Distributive, so a union of event types gives the union of their payloads.
type InputOf<X> = X extends StandardSchemaV1 ? StandardSchemaV1.InferInput<X> : never;
type OutputOf<X> = X extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<X> : never;

/** Whether `schemas` is a map of event type to schema rather than one schema. */
export function isEventSchemas(schemas: PayloadSchemas): schemas is EventSchemas {
  return !('~standard' in schemas);
}

/**
 * Checks a `schema` option when an outbox or queue is defined, so a mistake fails at
 * cold start rather than on the first event: a Standard Schema, or a map with at least one
 * entry whose keys are non-empty and whose values are Standard Schemas.
 *
 * @returns the schema as given, or a frozen copy of the map, so it cannot change later.
 * @throws TypeError naming `source` and, for a map, the bad key.
 */
export function checkPayloadSchemas<S extends PayloadSchemas>(schemas: S, source: string): S {
  if (
    (typeof schemas !== 'object' && typeof schemas !== 'function') ||
    schemas === null ||
    Array.isArray(schemas)
  ) {
    throw new TypeError(
      `${source}: schema must be a Standard Schema or a map of event type to Standard Schema, got ${describe(schemas)}`,
    );
  }
  if (!isEventSchemas(schemas)) {
    if (!isStandardSchema(schemas)) {
      throw new TypeError(`${source}: schema has "~standard" but no validate function`);
    }
    return schemas;
  }
  const entries = Object.entries(schemas);
  if (entries.length === 0) {
    throw new TypeError(`${source}: schema map must name at least one event type`);
  }
  for (const [eventType, schema] of entries) {
    if (!eventType.trim()) {
      throw new TypeError(
        `${source}: schema map has an empty event type ${JSON.stringify(eventType)}`,
      );
    }
    if (!isStandardSchema(schema)) {
      throw new TypeError(
        `${source}: schema for event type ${JSON.stringify(eventType)} is not a Standard Schema, got ${describe(schema)}`,
      );
    }
  }
  return Object.freeze(Object.fromEntries(entries)) as S;
}

/**
 * The schema that validates payloads of `eventType`: the one schema, or the map's entry.
 * @throws UnknownEventTypeError when the map has no entry for `eventType` (or none is given).
 */
export function schemaForEventType(
  schemas: PayloadSchemas,
  eventType: string | undefined,
  source: string,
): StandardSchemaV1 {
  if (!isEventSchemas(schemas)) return schemas;
  // Own keys only: "toString" or "__proto__" must not find Object.prototype's members.
  const schema =
    eventType !== undefined && Object.hasOwn(schemas, eventType) ? schemas[eventType] : undefined;
  if (!schema) throw new UnknownEventTypeError(source, eventType, Object.keys(schemas));
  return schema;
}

/**
 * Validates a payload of `eventType` with its schema and returns the schema's output.
 *
 * @throws UnknownEventTypeError when `schemas` is a map without `eventType`.
 * @throws PayloadValidationError naming every failing field.
 * @throws AsyncSchemaError when the schema only validates asynchronously.
 */
export function validateEventPayload(
  schemas: PayloadSchemas,
  payload: unknown,
  source: string,
  eventType: string | undefined,
): unknown {
  return validatePayload(
    schemaForEventType(schemas, eventType, source),
    payload,
    source,
    eventType,
  );
}

function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const standard = (value as { '~standard'?: { validate?: unknown } })['~standard'];
  return (
    typeof standard === 'object' && standard !== null && typeof standard.validate === 'function'
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object without "~standard"' : typeof value;
}
