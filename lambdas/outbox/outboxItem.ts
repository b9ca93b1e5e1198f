import { isUuid } from '../events/ids.ts';
import type { IntegrationEvent } from '../events/types.ts';
import type { OutboxSpec } from './defineOutbox.ts';
import { CorruptOutboxItemError } from './errors.ts';
import { OUTBOX_ITEM_KIND, TABLE_DEFINITION } from './tableDefinition.ts';

/** How long an outbox item lives before TTL removes it, if the relay never deleted it. */
export const DEFAULT_OUTBOX_RETENTION_SECONDS = 14 * 24 * 60 * 60;

/** An outbox item as stored in the table (the DynamoDB document form, before marshalling). */
export interface OutboxItem {
  readonly pk: string;
  readonly sk: string;
  readonly kind: typeof OUTBOX_ITEM_KIND;
  readonly outbox: string;
  readonly destination: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly occurredAt: string;
  readonly payload: unknown;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly orderingKey?: string;
  readonly traceparent?: string;
  /**
   * Present while the item waits for the relay: the sparse pending index's partition key.
   * Removed when a dead-lettered item is kept in the table (`PendingOutbox.setAside`).
   */
  readonly pendingShard: string;
  /** TTL, epoch seconds. */
  readonly expiresAt: number;
}

/** The table key of the outbox item of an event. */
export function outboxKey(eventId: string): { pk: string; sk: string } {
  return { pk: `OUTBOX#${eventId}`, sk: 'OUTBOX' };
}

/** The pending-index shard of an event, stable for its id. */
export function pendingShardOf(eventId: string): string {
  const last = Number.parseInt(eventId.slice(-2), 16);
  return `pending#${(Number.isNaN(last) ? 0 : last) % TABLE_DEFINITION.pendingIndex.shards}`;
}

/** Builds the item that stores a staged event in the outbox table. */
export function toOutboxItem(
  event: IntegrationEvent,
  outbox: Pick<OutboxSpec, 'name' | 'destination'>,
  retentionSeconds: number = DEFAULT_OUTBOX_RETENTION_SECONDS,
): OutboxItem {
  return {
    ...outboxKey(event.eventId),
    kind: OUTBOX_ITEM_KIND,
    outbox: outbox.name,
    destination: outbox.destination,
    eventId: event.eventId,
    eventType: event.eventType,
    occurredAt: event.occurredAt,
    payload: event.payload,
    ...(event.correlationId ? { correlationId: event.correlationId } : {}),
    ...(event.causationId ? { causationId: event.causationId } : {}),
    ...(event.orderingKey ? { orderingKey: event.orderingKey } : {}),
    ...(event.traceparent ? { traceparent: event.traceparent } : {}),
    pendingShard: pendingShardOf(event.eventId),
    expiresAt: Math.floor(Date.parse(event.occurredAt) / 1000) + retentionSeconds,
  };
}

/** An event read back from an outbox item, with the outbox it came from and its destination. */
export interface StoredEvent {
  readonly event: IntegrationEvent<unknown>;
  readonly outbox: string;
  readonly destination: string;
}

/**
 * Reads an event back from an outbox item (from a stream image or a query).
 * @throws CorruptOutboxItemError (permanent) saying which attribute is missing or wrong.
 */
export function fromOutboxItem(item: Readonly<Record<string, unknown>>): StoredEvent {
  const key = typeof item.pk === 'string' ? item.pk : undefined;
  const fail = (reason: string): never => {
    throw new CorruptOutboxItemError(reason, key);
  };
  if (item.kind !== OUTBOX_ITEM_KIND) fail(`kind is ${JSON.stringify(item.kind)}, not "outbox"`);
  const text = (name: string, required: boolean): string | undefined => {
    const value = item[name];
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string' || value.length === 0) {
      return fail(`${name} must be a non-empty string, got ${JSON.stringify(value)}`);
    }
    return value;
  };
  const eventId = text('eventId', true) as string;
  if (!isUuid(eventId)) fail(`eventId is not a UUID: ${JSON.stringify(eventId)}`);
  const occurredAt = text('occurredAt', true) as string;
  if (Number.isNaN(Date.parse(occurredAt))) fail(`occurredAt is not a date: "${occurredAt}"`);
  if (!('payload' in item) || item.payload === undefined) fail('payload is missing');
  const metadata: Record<string, string> = {};
  for (const name of ['correlationId', 'causationId', 'orderingKey', 'traceparent']) {
    const value = text(name, false);
    if (value !== undefined) metadata[name] = value;
  }
  return {
    event: {
      eventId,
      eventType: text('eventType', true) as string,
      occurredAt,
      payload: item.payload,
      ...metadata,
    },
    outbox: text('outbox', true) as string,
    destination: text('destination', true) as string,
  };
}
