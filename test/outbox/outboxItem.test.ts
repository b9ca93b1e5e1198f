import { describe, expect, it } from 'vitest';
import { isPermanentError } from '../../lambdas/errors.ts';
import { CorruptOutboxItemError } from '../../lambdas/outbox/errors.ts';
import {
  DEFAULT_OUTBOX_RETENTION_SECONDS,
  fromOutboxItem,
  outboxKey,
  pendingShardOf,
  toOutboxItem,
} from '../../lambdas/outbox/outboxItem.ts';
import { OUTBOX_ITEM_KIND, TABLE_DEFINITION } from '../../lambdas/outbox/tableDefinition.ts';
import { EVENT_ID, eventIds, makeEvent, T0, thrownBy } from '../helpers/events.ts';

const outbox = { name: 'users' };

function validItem(): Record<string, unknown> {
  return { ...toOutboxItem(makeEvent(), outbox) };
}

describe('toOutboxItem / fromOutboxItem', () => {
  it('round-trips the event with its metadata and outbox', () => {
    // Arrange
    const event = makeEvent({ payload: { userId: 'u-1', nested: { list: [1, 2] } } });

    // Act
    const stored = fromOutboxItem({ ...toOutboxItem(event, outbox) });

    // Assert
    expect(stored).toEqual({ event, outbox: 'users' });
  });

  it('writes no destination attribute, and reads an item written with one as if it had none', () => {
    // Arrange
    const event = makeEvent();
    const item = toOutboxItem(event, outbox);

    // Act
    const stored = fromOutboxItem({ ...item, destination: 'notifications' });

    // Assert
    expect(item).not.toHaveProperty('destination');
    expect(stored).toEqual({ event, outbox: 'users' });
  });

  it('round-trips an event without metadata and adds none', () => {
    // Arrange
    const event = {
      eventId: EVENT_ID,
      eventType: 'user.registered',
      payload: { userId: 'u-1' },
      occurredAt: new Date(T0).toISOString(),
    };

    // Act
    const stored = fromOutboxItem({ ...toOutboxItem(event, outbox) });

    // Assert
    expect(stored.event).toEqual(event);
  });

  it('keys the item by event id and marks it as an outbox item', () => {
    // Act
    const item = toOutboxItem(makeEvent(), outbox);

    // Assert
    expect(item).toMatchObject({ ...outboxKey(EVENT_ID), kind: OUTBOX_ITEM_KIND });
    expect(item.pk).toContain(EVENT_ID);
  });

  it('sets expiresAt to occurredAt plus the retention, in epoch seconds', () => {
    // Arrange
    const event = makeEvent({ occurredAt: new Date(T0 + 1_500).toISOString() });

    // Act
    const byDefault = toOutboxItem(event, outbox);
    const oneHour = toOutboxItem(event, outbox, 3600);

    // Assert
    expect(byDefault.expiresAt).toBe(T0 / 1000 + 1 + DEFAULT_OUTBOX_RETENTION_SECONDS);
    expect(oneHour.expiresAt).toBe(T0 / 1000 + 1 + 3600);
  });
});

describe('pendingShardOf', () => {
  it('gives the same shard for the same event id', () => {
    // Act / Assert
    expect(pendingShardOf(EVENT_ID)).toBe(pendingShardOf(EVENT_ID));
    expect(toOutboxItem(makeEvent(), outbox).pendingShard).toBe(pendingShardOf(EVENT_ID));
  });

  it('stays within the shard count and spreads ids over every shard', () => {
    // Arrange
    const ids = eventIds(64);
    const shards = TABLE_DEFINITION.pendingIndex.shards;

    // Act
    const seen = new Set(ids.map(pendingShardOf));

    // Assert
    const expected = Array.from({ length: shards }, (_, i) => `pending#${i}`);
    expect([...seen].sort()).toEqual(expected.sort());
  });
});

describe('fromOutboxItem', () => {
  it.each([
    ['the wrong kind', { kind: 'user' }, /kind is "user", not "outbox"/],
    ['a missing eventId', { eventId: undefined }, /eventId must be a non-empty string/],
    ['a non-UUID eventId', { eventId: 'evt-1' }, /eventId is not a UUID: "evt-1"/],
    ['a bad date', { occurredAt: 'yesterday' }, /occurredAt is not a date: "yesterday"/],
    ['a missing payload', { payload: undefined }, /payload is missing/],
    ['a missing eventType', { eventType: '' }, /eventType must be a non-empty string/],
    [
      'a non-string correlationId',
      { correlationId: 7 },
      /correlationId must be a non-empty string, got 7/,
    ],
  ])(
    'throws a permanent CorruptOutboxItemError for %s, naming the problem and key',
    (_, change, reason) => {
      // Arrange
      const item = { ...validItem(), ...change };

      // Act
      const error = thrownBy(() => fromOutboxItem(item));

      // Assert
      expect(error).toBeInstanceOf(CorruptOutboxItemError);
      expect((error as CorruptOutboxItemError).reason).toMatch(reason);
      expect((error as CorruptOutboxItemError).key).toBe(`OUTBOX#${EVENT_ID}`);
      expect(isPermanentError(error)).toBe(true);
    },
  );

  it('accepts a payload of null (present, just empty)', () => {
    // Act
    const stored = fromOutboxItem({ ...validItem(), payload: null });

    // Assert
    expect(stored.event.payload).toBeNull();
  });

  it('ignores attributes it does not know', () => {
    // Act
    const stored = fromOutboxItem({ ...validItem(), someOtherAttribute: 'x' });

    // Assert
    expect(Object.keys(stored.event)).not.toContain('someOtherAttribute');
  });
});
