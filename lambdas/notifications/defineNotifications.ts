import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Clock, RandomBytes } from '../events/ids.ts';
import { defineOutbox, type OutboxSpec } from '../outbox/defineOutbox.ts';
import { defineQueue, type QueueSpec } from '../outbox/defineQueue.ts';
import type { EventSchemas } from '../outbox/payloadSchemas.ts';
import { NotificationRouter } from './NotificationRouter.ts';
import type { NotificationMapper } from './types.ts';

/**
 * The routes of a notifications module: for each event type, the mapper that turns one event
 * into the notifications it causes. A mapper gets its type's payload as its schema's output.
 * A declared type without a route sends nothing (see `NotificationsDefinition.router`).
 */
export type EventRoutes<E extends EventSchemas> = {
  readonly [T in keyof E & string]?: NotificationMapper<StandardSchemaV1.InferOutput<E[T]>>;
};

/** Options of {@link defineNotifications}. */
export interface DefineNotificationsOptions<E extends EventSchemas> {
  /**
   * Names the module's outbox and queue spec: 1-80 letters, digits, `-` or `_`. Outbox items
   * carry it, so the relay and the sweeper know which schemas validate them, and it is the
   * CloudEvents `source` (`tidings/<name>`) on the queue.
   */
  readonly name: string;
  /** Every event type the module stages, each with the Standard Schema of its payload. */
  readonly events: E;
  /** Which notifications each event type causes. Keys must be event types of `events`. */
  readonly routes: EventRoutes<E>;
  /** Dates staged events. @default Date.now */
  readonly clock?: Clock;
  /** Randomness of new event ids (UUID v7). @default crypto.getRandomValues */
  readonly random?: RandomBytes;
}

/**
 * A team's notifications, in one module: what the producer stages, what the relay and the
 * sweeper validate committed items against, and what the consumer validates and routes with.
 */
export interface NotificationsDefinition<E extends EventSchemas = EventSchemas> {
  readonly name: string;
  readonly events: E;
  /** Stages events of `events` in a producer's transaction (`outboxTransactItem`). */
  readonly outbox: OutboxSpec<E>;
  /** Validates consumed payloads per event type. */
  readonly queue: QueueSpec<E>;
  /**
   * The frozen router built from `routes`. The consumer dead-letters an event whose type has
   * no route (`UnmappedEventTypeError`), unless it is told to skip unmapped types.
   */
  readonly router: NotificationRouter;
}

const NAME = /^[A-Za-z0-9_-]{1,80}$/;
const BRAND = Symbol.for('tidings.notifications');

/**
 * Declares a team's notifications: the event types with a schema each, and the routes from
 * event type to notifications. The Tidings construct bundles the module that exports it into
 * the relay, the sweeper and the consumer (`notifications.entry`); services stage events with
 * its `outbox`; unit tests render its routes with `tidings/testing`.
 *
 * @throws TypeError when the name is not 1-80 letters, digits, `-` or `_`, `events` is not a
 *   non-empty map of Standard Schemas, or a route names a type `events` lacks or is not a
 *   function.
 *
 * @example
 * ```ts
 * import { defineNotifications } from 'tidings';
 * import * as z from 'zod';
 *
 * export const notifications = defineNotifications({
 *   name: 'billing',
 *   events: { 'invoice.paid': z.object({ invoiceId: z.string(), email: z.email() }) },
 *   routes: {
 *     'invoice.paid': (event) => [
 *       { kind: 'email', to: event.payload.email, subject: 'Paid', body: `Invoice ${event.payload.invoiceId}` },
 *     ],
 *   },
 * });
 * ```
 */
export function defineNotifications<const E extends EventSchemas>(
  options: DefineNotificationsOptions<E>,
): NotificationsDefinition<E> {
  if (typeof options.name !== 'string' || !NAME.test(options.name)) {
    throw new TypeError(
      `notifications name must be 1-80 letters, digits, "-" or "_": ${JSON.stringify(options.name)}`,
    );
  }
  const source = `notifications "${options.name}"`;
  if (typeof options.events !== 'object' || options.events === null) {
    throw new TypeError(`${source}: events must be a map of event type to Standard Schema`);
  }
  if ('~standard' in options.events) {
    throw new TypeError(
      `${source}: events must map each event type to its schema, not be one schema: { 'invoice.paid': InvoicePaid }`,
    );
  }
  const queue = defineQueue({ name: options.name, schema: options.events });
  const outbox = defineOutbox({
    name: options.name,
    schema: queue.schema,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.random ? { random: options.random } : {}),
  });
  const router = new NotificationRouter();
  const routes: Readonly<Record<string, unknown>> = options.routes ?? {};
  for (const [eventType, mapper] of Object.entries(routes)) {
    if (!Object.hasOwn(queue.schema, eventType)) {
      throw new TypeError(
        `${source}: route ${JSON.stringify(eventType)} names no event type; declared: ${Object.keys(queue.schema).join(', ')}`,
      );
    }
    if (typeof mapper !== 'function') {
      throw new TypeError(`${source}: route ${JSON.stringify(eventType)} must be a function`);
    }
    router.register(eventType, mapper as NotificationMapper);
  }
  return Object.freeze({
    [BRAND]: true,
    name: options.name,
    events: queue.schema,
    outbox,
    queue,
    router: router.freeze(),
  });
}

/**
 * Whether `value` was made by {@link defineNotifications}. The Lambda entry points check what
 * a module exports with it, so a wrong export fails at cold start with a clear message.
 */
export function isNotificationsDefinition(value: unknown): value is NotificationsDefinition {
  return typeof value === 'object' && value !== null && BRAND in value;
}

/**
 * The definition a Lambda entry point was given, checked.
 * @throws TypeError naming what was given instead.
 */
export function requireNotifications(value: unknown, where: string): NotificationsDefinition {
  if (isNotificationsDefinition(value)) return value;
  throw new TypeError(
    `${where}: expected the notifications made by defineNotifications(), got ${value === null ? 'null' : typeof value}`,
  );
}
