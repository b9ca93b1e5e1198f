import { isUuid } from '../events/ids.ts';
import type { IntegrationEvent } from '../events/types.ts';
import type { OutboxItem } from '../ports.ts';
import type { OutboxSpec } from './defineOutbox.ts';
import { CorruptOutboxItemError } from './errors.ts';
import { OUTBOX_ITEM_KIND, TABLE_DEFINITION } from './tableDefinition.ts';

/** How long an outbox item lives before TTL removes it, if the relay never deleted it. */
export const DEFAULT_OUTBOX_RETENTION_SECONDS = 14 * 24 * 60 * 60;

/** What every outbox item's partition key starts with, before the event id. */
const OUTBOX_KEY_PREFIX = 'OUTBOX#';

/** The table key of the outbox item of an event. */
export function outboxKey(eventId: string): { pk: string; sk: string } {
  return { pk: `${OUTBOX_KEY_PREFIX}${eventId}`, sk: 'OUTBOX' };
}

/** Whether a partition key is an outbox item's (`OUTBOX#<eventId>`). */
export function isOutboxPartitionKey(pk: string): boolean {
  return pk.startsWith(OUTBOX_KEY_PREFIX);
}

/** The event id in an outbox item's partition key; any other key as it is. */
export function eventIdOfOutboxKey(pk: string): string {
  return isOutboxPartitionKey(pk) ? pk.slice(OUTBOX_KEY_PREFIX.length) : pk;
}

/** The pending-index shard of an event, stable for its id. */
export function pendingShardOf(eventId: string): string {
  const last = Number.parseInt(eventId.slice(-2), 16);
  return `pending#${(Number.isNaN(last) ? 0 : last) % TABLE_DEFINITION.pendingIndex.shards}`;
}

/** Builds the item that stores a staged event in the outbox table. */
export function toOutboxItem(
  event: IntegrationEvent,
  outbox: Pick<OutboxSpec, 'name'>,
  retentionSeconds: number = DEFAULT_OUTBOX_RETENTION_SECONDS,
): OutboxItem {
  return {
    ...outboxKey(event.eventId),
    kind: OUTBOX_ITEM_KIND,
    outbox: outbox.name,
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

/** An event read back from an outbox item, with the outbox it came from. */
export interface StoredEvent {
  readonly event: IntegrationEvent<unknown>;
  readonly outbox: string;
}

/**
 * Reads an event back from an outbox item (from a stream image or a query). A `destination`
 * attribute, which items written before it was dropped carry, is ignored.
 * @throws CorruptOutboxItemError (permanent) saying which attribute is missing or wrong.
 */
export function fromOutboxItem(item: Readonly<Record<string, unknown>>): StoredEvent {
  const key = typeof item.pk === 'string' ? item.pk : undefined;
  if (item.kind !== OUTBOX_ITEM_KIND) {
    throw new CorruptOutboxItemError(`kind is ${JSON.stringify(item.kind)}, not "outbox"`, key);
  }
  const eventId = requiredText(item, 'eventId', key);
  if (!isUuid(eventId)) {
    throw new CorruptOutboxItemError(`eventId is not a UUID: ${JSON.stringify(eventId)}`, key);
  }
  const occurredAt = requiredText(item, 'occurredAt', key);
  if (Number.isNaN(Date.parse(occurredAt))) {
    throw new CorruptOutboxItemError(`occurredAt is not a date: "${occurredAt}"`, key);
  }
  if (!('payload' in item) || item.payload === undefined) {
    throw new CorruptOutboxItemError('payload is missing', key);
  }
  const metadata: Record<string, string> = {};
  for (const name of METADATA_ATTRIBUTES) {
    const value = item[name];
    if (value !== undefined) metadata[name] = requiredText(item, name, key);
  }
  return {
    event: {
      eventId,
      eventType: requiredText(item, 'eventType', key),
      occurredAt,
      payload: item.payload,
      ...metadata,
    },
    outbox: requiredText(item, 'outbox', key),
  };
}

/** The optional envelope attributes an outbox item may carry, in the order they are checked. */
const METADATA_ATTRIBUTES = ['correlationId', 'causationId', 'orderingKey', 'traceparent'] as const;

// A module function, not a closure in `fromOutboxItem`: the relay reads every stream record
// through it, and a closure per call was a measurable part of its per-record cost.
function requiredText(
  item: Readonly<Record<string, unknown>>,
  name: string,
  key: string | undefined,
): string {
  const value = item[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw new CorruptOutboxItemError(
      `${name} must be a non-empty string, got ${JSON.stringify(value)}`,
      key,
    );
  }
  return value;
}
