import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  notifications,
  USER_REGISTERED,
  usersOutbox,
} from '../../examples/signup/notifications.ts';
import { DeadLetterAttribute, outboxItemDeadLetters } from '../../lambdas/aws/deadLetter.ts';
import { Env, MetricName } from '../../lambdas/constants.ts';
import { UnknownEventTypeError } from '../../lambdas/outbox/errors.ts';
import { MemoryOutboxStore } from '../../lambdas/outbox/MemoryOutboxStore.ts';
import { outboxKey, toOutboxItem } from '../../lambdas/outbox/outboxItem.ts';
import { MemoryQueue } from '../../lambdas/queue/MemoryQueue.ts';
import {
  createSweeperHandler,
  sweeperDepsFromEnv,
  sweeperLambdaHandler,
} from '../../lambdas/sweeper.ts';
import { eventIds, fakeClock, makeEvent, T0 } from '../helpers/events.ts';

const MINUTE = 60_000;

async function storeWith(items: Record<string, unknown>[]): Promise<MemoryOutboxStore> {
  const store = new MemoryOutboxStore();
  for (const Item of items) await store.transactWrite([{ Put: { TableName: 'tidings', Item } }]);
  return store;
}

/** The outboxes the sweeper validates committed payloads against: the signup example's. */
const outboxes = [usersOutbox];

/** A committed `user.registered` item of the `users` outbox, its payload valid for the schema. */
function itemAt(
  eventId: string,
  occurredAt: number,
  overrides: { eventType?: string; payload?: unknown } = {},
): Record<string, unknown> {
  const event = makeEvent<unknown>({
    eventId,
    eventType: USER_REGISTERED,
    occurredAt: new Date(occurredAt).toISOString(),
    payload: { userId: eventId, email: 'ada@example.com' },
    ...overrides,
  });
  return toOutboxItem(event, {
    name: usersOutbox.name,
  }) as unknown as Record<string, unknown>;
}

function quietMetrics() {
  const metrics = new Metrics({ namespace: MetricName.NAMESPACE, serviceName: 'test' });
  const added = vi.spyOn(metrics, 'addMetric');
  vi.spyOn(metrics, 'publishStoredMetrics').mockReturnValue(metrics);
  return { metrics, added };
}

describe('createSweeperHandler', () => {
  it('relays items past the threshold, leaves fresh ones, and reports the oldest age', async () => {
    // Arrange
    const clock = fakeClock(T0 + 10 * MINUTE);
    const [old, older, fresh] = eventIds(3) as [string, string, string];
    const store = await storeWith([
      itemAt(old, T0 + 5 * MINUTE),
      itemAt(older, T0),
      itemAt(fresh, T0 + 9 * MINUTE),
    ]);
    const queue = new MemoryQueue({ name: 'tidings-events', clock });
    const { metrics, added } = quietMetrics();
    const sweep = createSweeperHandler({
      outbox: store,
      queue,
      outboxes,
      deadLetters: outboxItemDeadLetters(new MemoryQueue({ name: 'tidings-relay-dlq', clock })),
      clock,
      minAgeMs: 2 * MINUTE,
      metrics,
    });

    // Act
    const report = await sweep({});

    // Assert
    expect(queue.messages().map((m) => m.attributes.eventId)).toEqual([older, old]);
    expect(store.get(outboxKey(older))).toBeUndefined();
    expect(store.get(outboxKey(fresh))).toBeDefined();
    expect(report).toEqual({ swept: 2, failed: 0, unrelayable: 0, oldestPendingAgeSeconds: 600 });
    expect(added).toHaveBeenCalledWith(MetricName.OLDEST_PENDING_AGE_SECONDS, 'Seconds', 600);
    expect(added).toHaveBeenCalledWith(MetricName.EVENTS_SWEPT, 'Count', 2);
  });

  it('keeps sweeping while pages come back full', async () => {
    // Arrange
    const clock = fakeClock(T0 + 60 * MINUTE);
    const ids = eventIds(5);
    const store = await storeWith(ids.map((id, i) => itemAt(id, T0 + i * 1000)));
    const queue = new MemoryQueue({ name: 'tidings-events', clock });
    const sweep = createSweeperHandler({
      outbox: store,
      queue,
      outboxes,
      deadLetters: outboxItemDeadLetters(new MemoryQueue({ name: 'tidings-relay-dlq', clock })),
      clock,
      limit: 2,
    });

    // Act
    const report = await sweep({});

    // Assert
    expect(report.swept).toBe(5);
    expect(queue.messages()).toHaveLength(5);
  });

  it('leaves events the queue refuses pending and does not fail the sweep', async () => {
    // Arrange
    const clock = fakeClock(T0 + 60 * MINUTE);
    const [id] = eventIds(1) as [string];
    const store = await storeWith([itemAt(id, T0)]);
    const queue = new MemoryQueue({
      name: 'tidings-events',
      clock,
      faults: { sendBatch: () => ({ code: 'InternalError', senderFault: false }) },
    });
    const sweep = createSweeperHandler({
      outbox: store,
      queue,
      outboxes,
      deadLetters: outboxItemDeadLetters(new MemoryQueue({ name: 'tidings-relay-dlq', clock })),
      clock,
      relay: { sleep: async () => {} },
    });

    // Act
    const report = await sweep({});

    // Assert
    expect(report).toMatchObject({ swept: 0, failed: 1 });
    expect(store.get(outboxKey(id))).toBeDefined();
  });

  it('dead-letters an item it cannot read as an event, with the reason, and removes it', async () => {
    // Arrange
    const clock = fakeClock(T0 + 60 * MINUTE);
    const [id] = eventIds(1) as [string];
    const corrupt = { ...itemAt(id, T0), eventType: '' };
    const store = await storeWith([corrupt]);
    const queue = new MemoryQueue({ name: 'tidings-events', clock });
    const dlq = new MemoryQueue({ name: 'tidings-relay-dlq', clock });
    const sweep = createSweeperHandler({
      outbox: store,
      queue,
      outboxes,
      clock,
      deadLetters: outboxItemDeadLetters(dlq),
    });

    // Act
    const report = await sweep({});

    // Assert
    expect(report.unrelayable).toBe(1);
    const [letter] = dlq.messages();
    expect(letter?.attributes[DeadLetterAttribute.REASON]).toContain(
      'eventType must be a non-empty string',
    );
    expect(JSON.parse(letter?.body ?? '{}')).toMatchObject({ pk: `OUTBOX#${id}`, eventType: '' });
    expect(store.get(outboxKey(id))).toBeUndefined();
  });

  it('dead-letters a committed item whose payload its outbox schema rejects, and never sends it', async () => {
    // Arrange: a user.registered item committed without the schema's check (an older
    // producer, a hand-written item), its email not an address; and a valid one beside it.
    const clock = fakeClock(T0 + 60 * MINUTE);
    const [bad, good] = eventIds(2) as [string, string];
    const store = await storeWith([
      itemAt(bad, T0, { payload: { userId: bad, email: 'not-an-address' } }),
      itemAt(good, T0 + 1000),
    ]);
    const queue = new MemoryQueue({ name: 'tidings-events', clock });
    const dlq = new MemoryQueue({ name: 'tidings-relay-dlq', clock });
    const sweep = createSweeperHandler({
      outbox: store,
      queue,
      outboxes,
      clock,
      deadLetters: outboxItemDeadLetters(dlq),
    });

    // Act
    const report = await sweep({});

    // Assert
    expect(report).toMatchObject({ swept: 1, failed: 0, unrelayable: 1 });
    expect(queue.messages().map((m) => m.attributes.eventId)).toEqual([good]);
    const [letter, ...more] = dlq.messages();
    expect(more).toEqual([]);
    expect(letter?.attributes[DeadLetterAttribute.ERROR]).toBe('PayloadValidationError');
    expect(letter?.attributes[DeadLetterAttribute.REASON]).toMatch(
      /^PayloadValidationError: "user\.registered" payload rejected by outbox "users": email: /,
    );
    expect(JSON.parse(letter?.body ?? '{}')).toMatchObject({
      pk: `OUTBOX#${bad}`,
      payload: { email: 'not-an-address' },
    });
    expect(store.get(outboxKey(bad))).toBeUndefined();
    expect(store.get(outboxKey(good))).toBeUndefined();
  });

  it('dead-letters a committed item whose event type its outbox does not know, as UnknownEventTypeError', async () => {
    // Arrange
    const clock = fakeClock(T0 + 60 * MINUTE);
    const [id] = eventIds(1) as [string];
    const store = await storeWith([itemAt(id, T0, { eventType: 'user.deleted' })]);
    const queue = new MemoryQueue({ name: 'tidings-events', clock });
    const dlq = new MemoryQueue({ name: 'tidings-relay-dlq', clock });
    const sweep = createSweeperHandler({
      outbox: store,
      queue,
      outboxes,
      clock,
      deadLetters: outboxItemDeadLetters(dlq),
    });

    // Act
    const report = await sweep({});

    // Assert
    expect(report).toMatchObject({ swept: 0, failed: 0, unrelayable: 1 });
    expect(queue.messages()).toEqual([]);
    const [letter, ...more] = dlq.messages();
    expect(more).toEqual([]);
    expect(letter?.attributes[DeadLetterAttribute.REASON]).toMatch(
      new RegExp(`^${UnknownEventTypeError.name}: `),
    );
    expect(letter?.attributes[DeadLetterAttribute.REASON]).toBe(
      'UnknownEventTypeError: outbox "users" has no schema for event type "user.deleted"; it knows "user.registered"',
    );
    expect(JSON.parse(letter?.body ?? '{}')).toMatchObject({
      pk: `OUTBOX#${id}`,
      eventType: 'user.deleted',
    });
    expect(store.get(outboxKey(id))).toBeUndefined();
  });

  it('logs an item it keeps set aside after a letter that could not hold it', async () => {
    // Arrange: a message over 1 MiB once its control characters are JSON-escaped.
    const clock = fakeClock(T0 + 60 * MINUTE);
    const [id] = eventIds(1) as [string];
    // The schema passes it (keys it does not name are allowed); the queue cannot take it.
    const oversized = itemAt(id, T0, {
      payload: { userId: id, email: 'ada@example.com', blob: '\u0001'.repeat(180_000) },
    });
    const store = await storeWith([oversized]);
    const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
    const warn = vi.spyOn(logger, 'warn');
    const sweep = createSweeperHandler({
      outbox: store,
      queue: new MemoryQueue({ name: 'tidings-events', clock }),
      outboxes,
      clock,
      deadLetters: outboxItemDeadLetters(new MemoryQueue({ name: 'tidings-relay-dlq', clock })),
      logger,
    });

    // Act
    await sweep({});

    // Assert
    expect(warn).toHaveBeenCalledWith('dead-lettered outbox item kept in the table, set aside', {
      pk: `OUTBOX#${id}`,
      sk: 'OUTBOX',
    });
    expect(store.get(outboxKey(id))).toMatchObject({ payload: oversized.payload });
  });

  it('fails the sweep when an item cannot be set aside, leaving it pending for the next', async () => {
    // Arrange: a store whose set-aside write is refused, as without dynamodb:UpdateItem.
    const clock = fakeClock(T0 + 60 * MINUTE);
    const corrupt = { ...itemAt(eventIds(1)[0] as string, T0), pk: 'OUTBOX#42', eventId: '42' };
    const store = await storeWith([corrupt]);
    const refusing = {
      listPending: store.listPending.bind(store),
      deleteRelayed: store.deleteRelayed.bind(store),
      setAside: async () => {
        throw new Error('AccessDeniedException');
      },
    };
    const dlq = new MemoryQueue({ name: 'tidings-relay-dlq', clock });
    const sweep = createSweeperHandler({
      outbox: refusing,
      queue: new MemoryQueue({ name: 'tidings-events', clock }),
      outboxes,
      clock,
      deadLetters: outboxItemDeadLetters(dlq),
    });

    // Act
    const error = await sweep({}).catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({ message: 'AccessDeniedException' });
    expect(dlq.messages()).toHaveLength(1);
    expect(store.get({ pk: 'OUTBOX#42', sk: 'OUTBOX' })).toHaveProperty('pendingShard');
  });
});

describe('sweeperDepsFromEnv', () => {
  const ddb = mockClient(DynamoDBDocumentClient);

  afterEach(() => {
    ddb.reset();
    vi.unstubAllEnvs();
  });

  it('logs a key in the pending index that is not an outbox item as a warning, and reads none of it', async () => {
    // Arrange
    vi.stubEnv(Env.TABLE_NAME, 'tidings');
    vi.stubEnv(Env.QUEUE_URL, 'https://sqs.eu-west-1.amazonaws.com/111122223333/notifications');
    vi.stubEnv(Env.RELAY_DLQ_URL, 'https://sqs.eu-west-1.amazonaws.com/111122223333/relay-dlq');
    ddb.on(QueryCommand).resolves({
      Items: [{ pk: 'USER#1', sk: 'PROFILE', occurredAt: new Date(T0).toISOString() }],
    });
    const deps = sweeperDepsFromEnv();
    const warn = vi.spyOn(deps.logger as Logger, 'warn').mockImplementation(() => {});

    // Act
    const pending = await deps.outbox.listPending({
      olderThan: new Date(T0 + MINUTE).toISOString(),
      limit: 10,
    });

    // Assert
    expect(pending).toEqual([]);
    expect(ddb).not.toHaveReceivedCommand(BatchGetCommand);
    expect(warn).toHaveBeenCalledWith(
      'pending index holds an item that is not an outbox item; not swept',
      { pk: 'USER#1', sk: 'PROFILE' },
    );
  });

  it('logs a key in the pending index that holds an address with the address masked', async () => {
    // Arrange
    vi.stubEnv(Env.TABLE_NAME, 'tidings');
    vi.stubEnv(Env.QUEUE_URL, 'https://sqs.eu-west-1.amazonaws.com/111122223333/notifications');
    vi.stubEnv(Env.RELAY_DLQ_URL, 'https://sqs.eu-west-1.amazonaws.com/111122223333/relay-dlq');
    ddb.on(QueryCommand).resolves({
      Items: [{ pk: 'EMAIL#ada@example.com', sk: 'EMAIL', occurredAt: new Date(T0).toISOString() }],
    });
    const deps = sweeperDepsFromEnv();
    const warn = vi.spyOn(deps.logger as Logger, 'warn').mockImplementation(() => {});

    // Act
    await deps.outbox.listPending({ olderThan: new Date(T0 + MINUTE).toISOString(), limit: 10 });

    // Assert
    expect(warn).toHaveBeenCalledWith(
      'pending index holds an item that is not an outbox item; not swept',
      { pk: 'EMAIL#a***@example.com', sk: 'EMAIL' },
    );
  });
});

describe('sweeperLambdaHandler', () => {
  it('throws a TypeError at once for a value defineNotifications did not make', () => {
    // Act / Assert: before any invocation, and without reading the environment.
    expect(() => sweeperLambdaHandler({ outbox: usersOutbox } as never)).toThrow(TypeError);
    expect(() => sweeperLambdaHandler('users' as never)).toThrow(
      /sweeper: expected the notifications made by defineNotifications\(\), got string/,
    );
    expect(sweeperLambdaHandler(notifications)).toBeTypeOf('function');
  });
});
