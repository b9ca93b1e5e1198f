import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { notifications } from '../../examples/signup/notifications.ts';
import { registerUser } from '../../examples/signup/registerUser.ts';
import { DynamoDbPendingOutbox } from '../../lambdas/aws/DynamoDbPendingOutbox.ts';
import {
  createTransactWriteClient,
  DynamoDbTransactWriter,
} from '../../lambdas/aws/DynamoDbTransactWriter.ts';
import {
  outboxItemDeadLetters,
  sqsRecordDeadLetters,
  streamRecordDeadLetters,
} from '../../lambdas/aws/deadLetter.ts';
import { createConsumerHandler } from '../../lambdas/consumer.ts';
import { MemoryLedger } from '../../lambdas/ledger/MemoryLedger.ts';
import { createTidingsTable } from '../../lambdas/local/createTables.ts';
import { LOCAL_AWS_CONFIG } from '../../lambdas/local/DynamoDbLocal.ts';
import type { FilterPattern } from '../../lambdas/local/matchesFilter.ts';
import { SqsEventPump } from '../../lambdas/local/SqsEventPump.ts';
import { StreamPoller } from '../../lambdas/local/StreamPoller.ts';
import { RecordingSenders } from '../../lambdas/notifications/RecordingSenders.ts';
import { outboxKey, toOutboxItem } from '../../lambdas/outbox/outboxItem.ts';
import { OUTBOX_STREAM_FILTER } from '../../lambdas/outbox/tableDefinition.ts';
import type { OutboxItem } from '../../lambdas/ports.ts';
import { MemoryQueue } from '../../lambdas/queue/MemoryQueue.ts';
import { createRelayHandler } from '../../lambdas/relay.ts';
import { createSweeperHandler } from '../../lambdas/sweeper.ts';
import { uniqueTableName, useLocalAws } from '../helpers/dynamodbLocal.ts';
import { eventIds, fakeClock, makeEvent } from '../helpers/events.ts';

const local = useLocalAws();
const HOUR_MS = 60 * 60 * 1000;
const SIGNUPS = 12;
/** The sweeper's threshold: items older than this were missed by the stream relay. */
const SWEEPER_MIN_AGE_MS = 2 * 60 * 1000;
const noSleep = async () => {};

/**
 * The backstop's moving parts on DynamoDB Local: the real producer transaction, the stream
 * (read by `StreamPoller`, which trims records after 24 hours by its clock) feeding the relay
 * handler, the sweeper over the sparse pending index, and the consumer with a ledger behind
 * the mock queue. The poller and the sweeper each read a clock the test moves ahead of real
 * time: DynamoDB Local dates records and items by the wall clock.
 */
function pipeline() {
  const offset = { poller: 0, sweeper: 0 };
  let parts: ReturnType<typeof build>;

  function build(tableName: string, streamArn: string) {
    const queueClock = fakeClock(Date.now());
    const queue = new MemoryQueue({ name: 'notifications', clock: queueClock });
    const relayDlq = new MemoryQueue({ name: 'notifications-relay-dlq', clock: queueClock });
    const consumerDlq = new MemoryQueue({ name: 'notifications-dlq', clock: queueClock });
    const documents = DynamoDBDocumentClient.from(local().dynamoDb);
    const outbox = new DynamoDbPendingOutbox({ tableName, client: documents });
    const relay = createRelayHandler({
      queue,
      deadLetters: streamRecordDeadLetters(relayDlq),
      outbox,
      outboxes: [notifications.outbox],
      relay: { sleep: noSleep },
    });
    const poller = new StreamPoller({
      streamArn,
      streamsClient: local().streams,
      handler: relay,
      filter: OUTBOX_STREAM_FILTER as unknown as FilterPattern,
      clock: () => Date.now() + offset.poller,
    });
    const sweep = createSweeperHandler({
      outbox,
      queue,
      outboxes: [notifications.outbox],
      deadLetters: outboxItemDeadLetters(relayDlq),
      minAgeMs: SWEEPER_MIN_AGE_MS,
      clock: () => Date.now() + offset.sweeper,
      relay: { sleep: noSleep },
    });
    const senders = new RecordingSenders();
    const consumer = createConsumerHandler({
      router: notifications.router,
      queueSpec: notifications.queue,
      senders,
      ledger: { store: new MemoryLedger({ clock: queueClock }) },
      deadLetters: sqsRecordDeadLetters(consumerDlq),
      visibility: queue.visibilityChanger(),
      clock: queueClock,
    });
    const pump = new SqsEventPump(queue, consumer);
    const writer = new DynamoDbTransactWriter({
      client: createTransactWriteClient({
        ...LOCAL_AWS_CONFIG,
        endpoint: local().dynamoDbEndpoint,
      }),
    });
    return {
      tableName,
      queue,
      relayDlq,
      consumerDlq,
      poller,
      sweep,
      senders,
      /** Registers `count` users with fresh addresses; returns the addresses. */
      async register(count: number): Promise<string[]> {
        const emails = Array.from({ length: count }, (_, i) => `${tableName}-${i}@example.com`);
        for (const email of emails) await registerUser({ email }, { writer, tableName });
        return emails;
      },
      /** Writes items straight to the table, as a service that skips the SDK helper would. */
      async put(...items: readonly object[]): Promise<void> {
        for (const Item of items) {
          await documents.send(new PutCommand({ TableName: tableName, Item: { ...Item } }));
        }
      },
      /** The item with this key, read consistently. */
      async get(key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
        const output = await documents.send(
          new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
        );
        return output.Item;
      },
      /** Consumes until the queue is empty. */
      consume: () => pump.drain({ maxRounds: 50, advance: (ms) => queueClock.advance(ms) }),
      /** Welcome emails per address. */
      emailsPerAddress(): Map<string, number> {
        const counts = new Map<string, number>();
        for (const { notification } of senders.emails) {
          const to = String(notification.to);
          counts.set(to, (counts.get(to) ?? 0) + 1);
        }
        return counts;
      },
    };
  }

  beforeEach(async () => {
    offset.poller = 0;
    offset.sweeper = 0;
    const tableName = uniqueTableName('tidings-backstop');
    const { streamArn } = await createTidingsTable(local().dynamoDb, tableName);
    parts = build(tableName, streamArn);
  });

  return { offset, parts: () => parts };
}

describe('the 24-hour backstop', () => {
  const t = pipeline();

  it('delivers every event once when the relay is down for longer than the stream keeps records', async () => {
    // Arrange: the relay is down while users sign up, and stays down for 25 hours.
    const p = t.parts();
    p.poller.pause();
    const emails = await p.register(SIGNUPS);
    t.offset.poller = 25 * HOUR_MS;
    t.offset.sweeper = 25 * HOUR_MS;

    // Act: the scheduled sweeper finds what the stream never delivered, and it is consumed.
    const swept = await p.sweep({});
    await p.consume();

    // Assert
    expect(swept.swept).toBe(SIGNUPS);
    expect(swept.oldestPendingAgeSeconds).toBeGreaterThan(24 * 60 * 60);
    expect(swept.oldestPendingAgeSeconds).toBeGreaterThan(SWEEPER_MIN_AGE_MS / 1000);
    expect(p.emailsPerAddress()).toEqual(new Map(emails.map((email) => [email, 1])));
  });

  it('sends nothing twice when the relay comes back after the records expired', async () => {
    // Arrange: as above, the sweeper has delivered everything while the relay was down.
    const p = t.parts();
    p.poller.pause();
    const emails = await p.register(SIGNUPS);
    t.offset.poller = 25 * HOUR_MS;
    t.offset.sweeper = 25 * HOUR_MS;
    await p.sweep({});
    await p.consume();

    // Act: the relay is fixed; the stream's records are past retention; the sweeper runs again.
    p.poller.resume();
    const polled = await p.poller.drain();
    const sweptAgain = await p.sweep({});
    await p.consume();

    // Assert: the poller dropped the expired records, the sweeper found nothing, no resend.
    expect(polled).toMatchObject({ dropped: SIGNUPS, invoked: 0, drained: true });
    expect(sweptAgain).toEqual({ swept: 0, failed: 0, unrelayable: 0, oldestPendingAgeSeconds: 0 });
    expect(p.emailsPerAddress()).toEqual(new Map(emails.map((email) => [email, 1])));
    expect(p.relayDlq.messages()).toHaveLength(0);
    expect(p.consumerDlq.messages()).toHaveLength(0);
  });

  it('finds nothing pending when the relay is healthy, since relayed items are deleted', async () => {
    // Arrange
    const p = t.parts();
    const emails = await p.register(SIGNUPS);

    // Act: the stream relays at once; a day later the sweeper looks for stragglers.
    const polled = await p.poller.drain();
    t.offset.sweeper = 25 * HOUR_MS;
    const swept = await p.sweep({});
    await p.consume();

    // Assert
    expect(polled).toMatchObject({ records: SIGNUPS, dropped: 0 });
    expect(swept).toEqual({ swept: 0, failed: 0, unrelayable: 0, oldestPendingAgeSeconds: 0 });
    expect(p.emailsPerAddress()).toEqual(new Map(emails.map((email) => [email, 1])));
  });

  it('absorbs the duplicates of a shorter outage, relayed by both the sweeper and the stream', async () => {
    // Arrange: the relay is down 3 hours, within the stream's retention; the sweeper relays.
    const p = t.parts();
    p.poller.pause();
    const emails = await p.register(SIGNUPS);
    t.offset.poller = 3 * HOUR_MS;
    t.offset.sweeper = 3 * HOUR_MS;
    const swept = await p.sweep({});
    await p.consume();

    // Act: the relay comes back and relays the same events again from the stream.
    p.poller.resume();
    const polled = await p.poller.drain();
    const consumedAgain = await p.consume();

    // Assert: the queue carried every event twice; the ledger sent each email once.
    expect(swept.swept).toBe(SIGNUPS);
    expect(polled).toMatchObject({ records: SIGNUPS, dropped: 0 });
    expect(consumedAgain.succeeded).toBe(SIGNUPS);
    expect(p.emailsPerAddress()).toEqual(new Map(emails.map((email) => [email, 1])));
  });

  /**
   * Two items no relay can send, written without the SDK helper: one whose message is over
   * SQS's 1 MiB (its letter cannot hold it), one whose key is not its event's. Both must be
   * dead-lettered once and kept in the table, out of the pending index.
   */
  function unrelayableItems(): { oversized: OutboxItem; misplaced: OutboxItem } {
    const [big, other] = eventIds(2) as [string, string];
    const now = new Date().toISOString();
    const oversized = toOutboxItem(
      makeEvent({ eventId: big, occurredAt: now, payload: { blob: '\u0001'.repeat(180_000) } }),
      { name: 'blobs' },
    );
    const misplaced = {
      ...toOutboxItem(makeEvent({ eventId: other, occurredAt: now }), {
        name: 'users',
      }),
      pk: 'OUTBOX#42',
      eventId: '42',
    };
    return { oversized, misplaced };
  }

  it('dead-letters items it can never relay once, by the stream relay, and keeps them out of the sweep', async () => {
    // Arrange
    const p = t.parts();
    const { oversized, misplaced } = unrelayableItems();
    await p.put(oversized, misplaced);

    // Act: the stream relay meets them; an hour later the sweeper runs, twice.
    await p.poller.drain();
    t.offset.sweeper = HOUR_MS;
    const swept = await p.sweep({});
    const sweptAgain = await p.sweep({});

    // Assert
    expect(p.relayDlq.messages()).toHaveLength(2);
    expect(swept).toEqual({ swept: 0, failed: 0, unrelayable: 0, oldestPendingAgeSeconds: 0 });
    expect(sweptAgain).toEqual(swept);
    for (const item of [oversized, misplaced]) {
      const kept = await p.get({ pk: item.pk, sk: item.sk });
      expect(kept).toMatchObject({ eventId: item.eventId, payload: item.payload });
      expect(kept).not.toHaveProperty('pendingShard');
    }
  });

  it('dead-letters them once when the sweeper finds them first, keeping them in the table', async () => {
    // Arrange: the stream relay is down.
    const p = t.parts();
    p.poller.pause();
    const { oversized, misplaced } = unrelayableItems();
    await p.put(oversized, misplaced);
    t.offset.sweeper = HOUR_MS;

    // Act
    const swept = await p.sweep({});
    const sweptAgain = await p.sweep({});

    // Assert: one letter each; the oversized one's letter holds only its key.
    expect(swept.unrelayable).toBe(2);
    expect(sweptAgain).toEqual({ swept: 0, failed: 0, unrelayable: 0, oldestPendingAgeSeconds: 0 });
    const bodies = p.relayDlq.messages().map((m) => JSON.parse(m.body));
    expect(bodies).toHaveLength(2);
    expect(bodies).toContainEqual({
      ...outboxKey(oversized.eventId),
      itemOmitted: 'over the queue limit',
    });
    for (const item of [oversized, misplaced]) {
      const kept = await p.get({ pk: item.pk, sk: item.sk });
      expect(kept).toMatchObject({ eventId: item.eventId, payload: item.payload });
      expect(kept).not.toHaveProperty('pendingShard');
    }
  });
});
