import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseCloudEvent } from '../../lambdas/events/envelope.ts';
import type { IntegrationEvent } from '../../lambdas/events/types.ts';
import { MemoryOutboxStore } from '../../lambdas/outbox/MemoryOutboxStore.ts';
import { outboxKey, toOutboxItem } from '../../lambdas/outbox/outboxItem.ts';
import {
  PendingOutboxSweeper,
  type PendingOutboxSweeperOptions,
} from '../../lambdas/outbox/PendingOutboxSweeper.ts';
import { MemoryQueue, type MemoryQueueFaults } from '../../lambdas/queue/MemoryQueue.ts';
import { eventIds, fakeClock, makeEvent, T0 } from '../helpers/events.ts';

const outbox = { name: 'users' };

/** The schema the relay validates the test's committed payloads (`makeEvent`'s) against. */
const outboxes = [
  { name: outbox.name, schema: { 'user.registered': z.object({ userId: z.string() }) } },
];

function setup(
  options: { faults?: MemoryQueueFaults; sweeper?: Partial<PendingOutboxSweeperOptions> } = {},
) {
  const clock = fakeClock(T0 + 60_000);
  const store = new MemoryOutboxStore();
  let ids = 0;
  const queue = new MemoryQueue({
    name: 'notifications',
    clock,
    newId: () => `m-${++ids}`,
    ...(options.faults ? { faults: options.faults } : {}),
  });
  const unrelayable: { item: Readonly<Record<string, unknown>>; reason: string }[] = [];
  const sweeper = new PendingOutboxSweeper({
    outbox: store,
    queue,
    outboxes,
    clock,
    sleep: async () => {},
    deadLetters: {
      deadLetter: async (item, { reason }) => {
        unrelayable.push({ item, reason });
        return { complete: true };
      },
    },
    ...options.sweeper,
  });
  /** Commits an outbox item the way a producer's transaction does. */
  const stage = async (event: IntegrationEvent) => {
    await store.transactWrite([
      {
        Put: {
          TableName: 't',
          Item: { ...toOutboxItem(event, outbox) },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ]);
  };
  const relayedIds = () => queue.messages().map((m) => parseCloudEvent(m.body).eventId);
  return { clock, store, queue, sweeper, unrelayable, stage, relayedIds };
}

const at = (ms: number) => new Date(ms).toISOString();

describe('PendingOutboxSweeper', () => {
  it('publishes each pending event once however often it runs', async () => {
    // Arrange
    const { sweeper, stage, relayedIds, store } = setup();
    const [a, b] = eventIds(2) as [string, string];
    await stage(makeEvent({ eventId: a, occurredAt: at(T0) }));
    await stage(makeEvent({ eventId: b, occurredAt: at(T0 + 1) }));

    // Act
    const first = await sweeper.relayPending();
    const second = await sweeper.relayPending();

    // Assert
    expect(first.relayed).toEqual([a, b]);
    expect(second.relayed).toEqual([]);
    expect(relayedIds()).toEqual([a, b]);
    expect(store.get(outboxKey(a))).toBeUndefined();
  });

  it('keeps events the queue did not take pending and relays them on the next run', async () => {
    // Arrange
    let queueDown = true;
    const { sweeper, stage, relayedIds, store } = setup({
      faults: {
        sendBatch: () =>
          queueDown
            ? { code: 'InternalError', message: 'try later', senderFault: false }
            : undefined,
      },
    });
    const [id] = eventIds(1) as [string];
    await stage(makeEvent({ eventId: id, occurredAt: at(T0) }));

    // Act
    const during = await sweeper.relayPending();
    const pendingBetween = await store.listPending({ olderThan: at(T0 + 60_000), limit: 10 });
    queueDown = false;
    const after = await sweeper.relayPending();

    // Assert
    expect(during.relayed).toEqual([]);
    expect(during.failed).toEqual([expect.objectContaining({ eventId: id, permanent: false })]);
    expect(pendingBetween.map((i) => i.eventId)).toEqual([id]);
    expect(after.relayed).toEqual([id]);
    expect(relayedIds()).toEqual([id]);
  });

  it('keeps events pending while the queue throws for the whole call', async () => {
    // Arrange
    const { sweeper, stage, store } = setup({
      faults: { sendBatchError: () => new Error('connection reset') },
      sweeper: { maxAttempts: 2 },
    });
    const [id] = eventIds(1) as [string];
    await stage(makeEvent({ eventId: id, occurredAt: at(T0) }));

    // Act
    const report = await sweeper.relayPending();

    // Assert
    expect(report.relayed).toEqual([]);
    expect(store.get(outboxKey(id))).toBeDefined();
  });

  it('dead-letters corrupt items with the reason and relays the rest', async () => {
    // Arrange
    const { sweeper, stage, store, unrelayable, relayedIds } = setup();
    const [good] = eventIds(1) as [string];
    await stage(makeEvent({ eventId: good, occurredAt: at(T0 + 1) }));
    const corrupt = {
      ...toOutboxItem(makeEvent({ eventId: eventIds(2)[1], occurredAt: at(T0) }), outbox),
      pk: 'OUTBOX#broken',
      eventId: 'broken',
    };
    await store.transactWrite([{ Put: { TableName: 't', Item: corrupt } }]);

    // Act
    const report = await sweeper.relayPending();

    // Assert
    expect(report.unrelayable).toBe(1);
    expect(unrelayable).toHaveLength(1);
    expect(unrelayable[0]?.item).toMatchObject({ pk: 'OUTBOX#broken' });
    expect(unrelayable[0]?.reason).toMatch(/CorruptOutboxItemError.*eventId is not a UUID/);
    expect(report.relayed).toEqual([good]);
    expect(relayedIds()).toEqual([good]);
  });

  it('removes a corrupt item once the dead-letter sink took it, so the next run does not offer it again', async () => {
    // Arrange
    const { sweeper, store, unrelayable } = setup();
    const [id] = eventIds(1) as [string];
    const corrupt = { ...toOutboxItem(makeEvent({ eventId: id, occurredAt: at(T0) }), outbox) };
    delete (corrupt as { payload?: unknown }).payload;
    await store.transactWrite([{ Put: { TableName: 't', Item: corrupt } }]);

    // Act
    await sweeper.relayPending();
    const second = await sweeper.relayPending();

    // Assert
    expect(unrelayable).toHaveLength(1);
    expect(second.unrelayable).toBe(0);
    expect(store.get(outboxKey(id))).toBeUndefined();
  });

  it('keeps a corrupt item pending when the dead-letter sink throws', async () => {
    // Arrange
    const { sweeper, store } = setup({
      sweeper: {
        deadLetters: {
          deadLetter: async () => {
            throw new Error('dead-letter queue unavailable');
          },
        },
      },
    });
    const [id] = eventIds(1) as [string];
    const corrupt = { ...toOutboxItem(makeEvent({ eventId: id, occurredAt: at(T0) }), outbox) };
    delete (corrupt as { payload?: unknown }).payload;
    await store.transactWrite([{ Put: { TableName: 't', Item: corrupt } }]);

    // Act
    const report = await sweeper.relayPending();

    // Assert
    expect(report.unrelayable).toBe(1);
    expect(store.get(outboxKey(id))).toBeDefined();
  });

  it('sets aside an event the queue refuses for good instead of retrying it every run', async () => {
    // Arrange
    const [refused, fine] = eventIds(2) as [string, string];
    const { sweeper, stage, store, unrelayable, relayedIds } = setup({
      faults: {
        sendBatch: (message) =>
          message.id === refused
            ? { code: 'InvalidMessageContents', senderFault: true }
            : undefined,
      },
    });
    await stage(makeEvent({ eventId: refused, occurredAt: at(T0) }));
    await stage(makeEvent({ eventId: fine, occurredAt: at(T0 + 1) }));

    // Act
    const report = await sweeper.relayPending();

    // Assert
    expect(report.relayed).toEqual([fine]);
    expect(report.failed).toEqual([]);
    expect(report.unrelayable).toBe(1);
    expect(unrelayable[0]?.reason).toContain('InvalidMessageContents');
    expect(store.get(outboxKey(refused))).toBeUndefined();
    expect(relayedIds()).toEqual([fine]);
  });

  it('keeps an item whose letter could not hold it whole, set aside, so no later run offers it again', async () => {
    // Arrange
    const [refused] = eventIds(1) as [string];
    const handed: string[] = [];
    const { sweeper, stage, store } = setup({
      faults: {
        sendBatch: (message) =>
          message.id === refused
            ? { code: 'InvalidMessageContents', senderFault: true }
            : undefined,
      },
      sweeper: {
        deadLetters: {
          deadLetter: async (item) => {
            handed.push(String(item.pk));
            return { complete: false };
          },
        },
      },
    });
    await stage(makeEvent({ eventId: refused, occurredAt: at(T0) }));

    // Act
    const first = await sweeper.relayPending();
    const second = await sweeper.relayPending();

    // Assert
    expect(first.unrelayable).toBe(1);
    expect(first.setAside).toEqual([outboxKey(refused)]);
    expect(second.unrelayable).toBe(0);
    expect(handed).toEqual([`OUTBOX#${refused}`]);
    const kept = store.get(outboxKey(refused));
    expect(kept).toMatchObject({ eventId: refused, payload: { userId: 'u-1' } });
    expect(kept).not.toHaveProperty('pendingShard');
  });

  it("sets aside a corrupt item whose key is not its event's, since removing by event id cannot reach it", async () => {
    // Arrange
    const { sweeper, store, unrelayable } = setup();
    const corrupt = {
      ...toOutboxItem(makeEvent({ eventId: eventIds(1)[0], occurredAt: at(T0) }), outbox),
      pk: 'OUTBOX#42',
      eventId: '42',
    };
    await store.transactWrite([{ Put: { TableName: 't', Item: corrupt } }]);

    // Act
    const first = await sweeper.relayPending();
    const second = await sweeper.relayPending();

    // Assert
    expect(first.setAside).toEqual([{ pk: 'OUTBOX#42', sk: 'OUTBOX' }]);
    expect(second.unrelayable).toBe(0);
    expect(unrelayable).toHaveLength(1);
    expect(store.get({ pk: 'OUTBOX#42', sk: 'OUTBOX' })).toMatchObject({ eventId: '42' });
  });

  it('leaves such an item pending, offered again, when setting it aside fails', async () => {
    // Arrange: an outbox whose set-aside write is refused.
    const store = new MemoryOutboxStore();
    const handed: unknown[] = [];
    const sweeper = new PendingOutboxSweeper({
      outbox: {
        listPending: (options) => store.listPending(options),
        deleteRelayed: (ids) => store.deleteRelayed(ids),
        setAside: async () => {
          throw new Error('AccessDeniedException');
        },
      },
      queue: new MemoryQueue({ name: 'notifications' }),
      outboxes,
      deadLetters: {
        deadLetter: async (item) => {
          handed.push(item.pk);
          return { complete: false };
        },
      },
    });
    const [id] = eventIds(1) as [string];
    const corrupt = { ...toOutboxItem(makeEvent({ eventId: id, occurredAt: at(T0) }), outbox) };
    delete (corrupt as { payload?: unknown }).payload;
    await store.transactWrite([{ Put: { TableName: 't', Item: corrupt } }]);

    // Act
    const first = await sweeper.relayPending().catch((error: unknown) => error);
    const second = await sweeper.relayPending().catch((error: unknown) => error);

    // Assert: kept (never deleted after an incomplete letter), and the failure not hidden.
    expect(first).toMatchObject({ message: 'AccessDeniedException' });
    expect(second).toMatchObject({ message: 'AccessDeniedException' });
    expect(handed).toEqual([`OUTBOX#${id}`, `OUTBOX#${id}`]);
    expect(store.get(outboxKey(id))).toHaveProperty('pendingShard');
  });

  it('leaves items younger than minAgeMs alone', async () => {
    // Arrange
    const { sweeper, stage, clock, store } = setup();
    const [old, fresh] = eventIds(2) as [string, string];
    await stage(makeEvent({ eventId: old, occurredAt: at(clock() - 10_000) }));
    await stage(makeEvent({ eventId: fresh, occurredAt: at(clock() - 1_000) }));

    // Act
    const report = await sweeper.relayPending({ minAgeMs: 5_000 });

    // Assert
    expect(report.relayed).toEqual([old]);
    expect(store.get(outboxKey(fresh))).toBeDefined();
  });

  it('relays at most limit items, oldest first', async () => {
    // Arrange
    const { sweeper, stage } = setup();
    const ids = eventIds(3);
    for (const [i, eventId] of ids.entries()) {
      await stage(makeEvent({ eventId, occurredAt: at(T0 + (3 - i) * 1_000) }));
    }

    // Act
    const report = await sweeper.relayPending({ limit: 2 });

    // Assert
    expect(report.relayed).toEqual([ids[2], ids[1]]);
  });

  it('reports the age of the oldest pending item in whole seconds', async () => {
    // Arrange
    const { sweeper, stage, clock } = setup();
    const [a, b] = eventIds(2) as [string, string];
    await stage(makeEvent({ eventId: a, occurredAt: at(clock() - 42_500) }));
    await stage(makeEvent({ eventId: b, occurredAt: at(clock() - 1_000) }));

    // Act
    const report = await sweeper.relayPending();

    // Assert
    expect(report.oldestPendingAgeSeconds).toBe(42);
  });

  it('reports an oldest pending age of 0 when nothing is pending', async () => {
    // Arrange
    const { sweeper } = setup();

    // Act
    const report = await sweeper.relayPending();

    // Assert
    expect(report).toEqual({
      relayed: [],
      failed: [],
      unrelayable: 0,
      notDeadLettered: [],
      setAside: [],
      oldestPendingAgeSeconds: 0,
    });
  });

  it('dead-letters a committed item whose payload its outbox schema rejects, never sending it', async () => {
    // Arrange
    const { sweeper, stage, store, unrelayable, relayedIds } = setup();
    const [bad, unknown, good] = eventIds(3) as [string, string, string];
    await stage(makeEvent<unknown>({ eventId: bad, occurredAt: at(T0), payload: { userId: 42 } }));
    await stage(makeEvent({ eventId: unknown, eventType: 'user.deleted', occurredAt: at(T0 + 1) }));
    await stage(makeEvent({ eventId: good, occurredAt: at(T0 + 2) }));

    // Act
    const report = await sweeper.relayPending();

    // Assert
    expect(report).toMatchObject({ relayed: [good], failed: [], unrelayable: 2 });
    expect(relayedIds()).toEqual([good]);
    expect(unrelayable.map(({ item }) => item.eventId)).toEqual([bad, unknown]);
    expect(unrelayable[0]?.reason).toMatch(
      /^PayloadValidationError: "user\.registered" payload rejected by outbox "users": userId: /,
    );
    expect(unrelayable[1]?.reason).toBe(
      'UnknownEventTypeError: outbox "users" has no schema for event type "user.deleted"; it knows "user.registered"',
    );
    expect(store.get(outboxKey(bad))).toBeUndefined();
    expect(store.get(outboxKey(unknown))).toBeUndefined();
  });

  it('relays items of an outbox it has no schema for unchecked', async () => {
    // Arrange: the relay knows only the "users" outbox.
    const { sweeper, store, relayedIds } = setup();
    const [id] = eventIds(1) as [string];
    const item = toOutboxItem(
      makeEvent<unknown>({ eventId: id, occurredAt: at(T0), payload: 'anything' }),
      { name: 'billing' },
    );
    await store.transactWrite([{ Put: { TableName: 't', Item: { ...item } } }]);

    // Act
    const report = await sweeper.relayPending();

    // Assert
    expect(report).toMatchObject({ relayed: [id], unrelayable: 0 });
    expect(relayedIds()).toEqual([id]);
  });

  it('publishes a message the consumer can read back as the staged event', async () => {
    // Arrange
    const { sweeper, stage, queue } = setup();
    const event = makeEvent({ eventId: eventIds(1)[0], occurredAt: at(T0) });
    await stage(event);

    // Act
    await sweeper.relayPending();

    // Assert
    const [message] = queue.messages();
    expect(parseCloudEvent(message?.body ?? '')).toEqual({ ...event, source: 'tidings/users' });
  });
});
