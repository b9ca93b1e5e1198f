import {
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../lambdas/events/ids.ts';
import { createTidingsTable } from '../../lambdas/local/createTables.ts';
import type { FilterPattern } from '../../lambdas/local/matchesFilter.ts';
import {
  type DiscardContext,
  type DiscardReason,
  StreamPoller,
  type StreamPollerOptions,
} from '../../lambdas/local/StreamPoller.ts';
import { fromOutboxItem, outboxKey, toOutboxItem } from '../../lambdas/outbox/outboxItem.ts';
import { OUTBOX_STREAM_FILTER } from '../../lambdas/outbox/tableDefinition.ts';
import { uniqueTableName, useLocalAws } from '../helpers/dynamodbLocal.ts';
import { fakeClock, makeEvent } from '../helpers/events.ts';

const local = useLocalAws();
const OUTBOX = { name: 'users' };
const HOUR_MS = 60 * 60 * 1000;

type Image = Parameters<typeof unmarshall>[0];
const eventIdOf = (record: DynamoDBRecord) =>
  String(unmarshall((record.dynamodb?.NewImage ?? {}) as Image).eventId);
const sequenceOf = (record: DynamoDBRecord) => record.dynamodb?.SequenceNumber ?? '';

/** A fresh table per test, a document client, and a poller factory that records each batch. */
function setup() {
  let tableName = '';
  let streamArn = '';
  let doc: DynamoDBDocumentClient;
  const batches: string[][] = [];
  const discarded: { ids: string[]; reason: DiscardReason; context: DiscardContext }[] = [];

  beforeEach(async () => {
    tableName = uniqueTableName('tidings-stream');
    ({ streamArn } = await createTidingsTable(local().dynamoDb, tableName));
    doc = DynamoDBDocumentClient.from(local().dynamoDb);
    batches.length = 0;
    discarded.length = 0;
  });

  return {
    batches,
    discarded,
    /** Writes `n` outbox items, one Put each, and returns their event ids in write order. */
    async writeOutboxEvents(n: number): Promise<string[]> {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) {
        const event = makeEvent({ eventId: uuidv7(), payload: { userId: `u-${i}` } });
        await doc.send(new PutCommand({ TableName: tableName, Item: toOutboxItem(event, OUTBOX) }));
        ids.push(event.eventId);
      }
      return ids;
    },
    doc: () => doc,
    tableName: () => tableName,
    poller(
      handle: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>,
      options: Partial<StreamPollerOptions> = {},
    ): StreamPoller {
      return new StreamPoller({
        streamsClient: local().streams,
        streamArn,
        filter: OUTBOX_STREAM_FILTER as unknown as FilterPattern,
        onFailure: (records, reason, context) => {
          discarded.push({ ids: records.map(eventIdOf), reason, context });
        },
        ...options,
        handler: async (event) => {
          batches.push(event.Records.map(eventIdOf));
          return handle(event);
        },
      });
    },
  };
}

describe('StreamPoller', () => {
  const t = setup();
  const succeed = async () => undefined;

  it('delivers INSERTs of outbox items as Lambda-shaped events the relay can read', async () => {
    const [eventId = ''] = await t.writeOutboxEvents(1);
    const delivered: DynamoDBStreamEvent[] = [];
    const poller = t.poller(async (event) => {
      delivered.push(event);
      return undefined;
    });

    const result = await poller.drain();

    expect(result).toMatchObject({ drained: true, invoked: 1, records: 1, failures: 0 });
    const [record] = delivered[0]?.Records ?? [];
    expect(record).toMatchObject({
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      eventSourceARN: expect.stringContaining(`table/${t.tableName()}/stream/`),
      awsRegion: expect.any(String),
      eventID: expect.any(String),
      dynamodb: {
        Keys: { pk: { S: outboxKey(eventId).pk }, sk: { S: 'OUTBOX' } },
        StreamViewType: 'NEW_IMAGE',
        SequenceNumber: expect.stringMatching(/^\d+$/),
        SizeBytes: expect.any(Number),
        ApproximateCreationDateTime: expect.any(Number),
      },
    });
    const item = unmarshall((record?.dynamodb?.NewImage ?? {}) as Image);
    expect(fromOutboxItem(item).event.eventId).toBe(eventId);
  });

  it('skips business items, MODIFY and REMOVE, and checkpoints past them', async () => {
    const doc = t.doc();
    const TableName = t.tableName();
    await doc.send(new PutCommand({ TableName, Item: { pk: 'USER#1', sk: 'USER', kind: 'user' } }));
    const [eventId = ''] = await t.writeOutboxEvents(1);
    await doc.send(
      new UpdateCommand({
        TableName,
        Key: outboxKey(eventId),
        UpdateExpression: 'REMOVE pendingShard',
      }),
    );
    await doc.send(new DeleteCommand({ TableName, Key: outboxKey(eventId) }));
    const poller = t.poller(succeed);

    const first = await poller.drain();
    const second = await poller.drain();

    expect(t.batches).toEqual([[eventId]]);
    expect(first).toMatchObject({ fetched: 4, filtered: 3, records: 1 });
    expect(second).toMatchObject({ fetched: 0, invoked: 0 });
  });

  it('splits the stream into batches of at most batchSize, in order', async () => {
    const ids = await t.writeOutboxEvents(5);
    const poller = t.poller(succeed, { batchSize: 2 });

    await poller.drain();

    expect(t.batches).toEqual([ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)]);
  });

  it('redelivers from the lowest reported failure on, and nothing before it', async () => {
    const ids = await t.writeOutboxEvents(5);
    let calls = 0;
    const poller = t.poller(async (event) => {
      calls++;
      if (calls > 1) return { batchItemFailures: [] };
      // Report the later failure first: the checkpoint must go to the lowest sequence number.
      const [, , third, , fifth] = event.Records;
      return {
        batchItemFailures: [
          { itemIdentifier: sequenceOf(fifth as DynamoDBRecord) },
          { itemIdentifier: sequenceOf(third as DynamoDBRecord) },
        ],
      };
    });

    const first = await poller.pollOnce();
    const second = await poller.pollOnce();
    const third = await poller.drain();

    expect(t.batches).toEqual([ids, ids.slice(2)]);
    expect(first).toMatchObject({ records: 5, failures: 3 });
    expect(second).toMatchObject({ records: 3, failures: 0 });
    expect(third).toMatchObject({ invoked: 0, drained: true });
    expect(t.discarded).toEqual([]);
  });

  it('retries the whole batch when the handler throws', async () => {
    const ids = await t.writeOutboxEvents(3);
    let calls = 0;
    const poller = t.poller(async () => {
      calls++;
      if (calls === 1) throw new Error('queue unavailable');
      return undefined;
    });

    await poller.pollOnce();
    await poller.drain();

    expect(t.batches).toEqual([ids, ids]);
  });

  it('treats an identifier that is not in the batch as a failure of the whole batch', async () => {
    const ids = await t.writeOutboxEvents(2);
    let calls = 0;
    const poller = t.poller(async () => {
      calls++;
      return calls === 1
        ? { batchItemFailures: [{ itemIdentifier: 'not-a-sequence' }] }
        : undefined;
    });

    await poller.drain();

    expect(t.batches).toEqual([ids, ids]);
  });

  it('bisects a batch that throws until the poison record is isolated, then discards it', async () => {
    const ids = await t.writeOutboxEvents(4);
    const poison = ids[2];
    const poller = t.poller(
      async (event) => {
        if (event.Records.some((r) => eventIdOf(r) === poison)) throw new Error('poison');
        return undefined;
      },
      { bisectOnError: true, maxRetryAttempts: 1 },
    );

    const result = await poller.drain();

    expect(t.batches).toEqual([
      ids, // throws: split 2 + 2
      ids.slice(0, 2), // ok
      ids.slice(2), // throws: split 1 + 1
      [poison], // throws: retry 1 of 1
      [poison], // throws: retries exhausted, to onFailure
      [ids[3]], // ok
    ]);
    expect(t.discarded).toEqual([
      {
        ids: [poison],
        reason: 'RetryAttemptsExhausted',
        context: expect.objectContaining({ attempts: 2, error: new Error('poison') }),
      },
    ]);
    expect(result).toMatchObject({ drained: true, discarded: 1 });
  });

  it('sends a batch that keeps failing to onFailure after maxRetryAttempts, then moves on', async () => {
    const ids = await t.writeOutboxEvents(2);
    const poller = t.poller(
      async (event) => ({
        batchItemFailures: event.Records.filter((r) => eventIdOf(r) === ids[1]).map((r) => ({
          itemIdentifier: sequenceOf(r),
        })),
      }),
      { maxRetryAttempts: 2 },
    );

    await poller.drain();
    const [later = ''] = await t.writeOutboxEvents(1);
    await poller.drain();

    expect(t.batches).toEqual([ids, [ids[1]], [ids[1]], [later]]);
    expect(t.discarded).toMatchObject([{ ids: [ids[1]], reason: 'RetryAttemptsExhausted' }]);
  });

  it('drops records older than the 24-hour retention, counting them, and delivers newer ones', async () => {
    const clock = fakeClock(Date.now());
    await t.writeOutboxEvents(3);
    const poller = t.poller(succeed, { clock });

    clock.advance(25 * HOUR_MS);
    const stale = await poller.pollOnce();
    clock.set(Date.now());
    const fresh = await t.writeOutboxEvents(1);
    const after = await poller.drain();

    expect(stale).toMatchObject({ dropped: 3, invoked: 0 });
    expect(t.batches).toEqual([fresh]);
    expect(after).toMatchObject({ dropped: 0, records: 1 });
    expect(poller.stats()).toMatchObject({ dropped: 3, records: 1, buffered: 0 });
    expect(t.discarded).toEqual([]);
  });

  it('still delivers records just under 24 hours old', async () => {
    const clock = fakeClock(Date.now());
    const ids = await t.writeOutboxEvents(2);
    const poller = t.poller(succeed, { clock });

    clock.advance(23 * HOUR_MS);
    const result = await poller.drain();

    expect(result).toMatchObject({ dropped: 0, records: 2 });
    expect(t.batches).toEqual([ids]);
  });

  it('sends records older than maxRecordAgeSeconds to onFailure instead of the handler', async () => {
    const clock = fakeClock(Date.now());
    const ids = await t.writeOutboxEvents(2);
    const poller = t.poller(succeed, { clock, maxRecordAgeSeconds: 3600 });

    clock.advance(2 * HOUR_MS);
    const result = await poller.drain();

    expect(t.batches).toEqual([]);
    expect(t.discarded).toMatchObject([{ ids, reason: 'RecordAgeExceeded' }]);
    expect(result).toMatchObject({ discarded: 2, invoked: 0 });
  });

  it('keeps a failed record when onFailure itself fails, and hands it over on the next poll', async () => {
    const [id = ''] = await t.writeOutboxEvents(1);
    let destinationUp = false;
    const handedOver: string[][] = [];
    const poller = t.poller(
      async () => {
        throw new Error('always');
      },
      {
        maxRetryAttempts: 0,
        onFailure: (records) => {
          if (!destinationUp) throw new Error('destination down');
          handedOver.push(records.map(eventIdOf));
        },
      },
    );

    const failed = await poller.pollOnce().catch((error: unknown) => error);
    destinationUp = true;
    await poller.pollOnce();
    const after = await poller.drain();

    expect(failed).toEqual(new Error('destination down'));
    expect(handedOver).toEqual([[id]]);
    expect(after).toMatchObject({ drained: true, invoked: 0 });
  });

  it('delivers nothing while paused and everything after resume', async () => {
    const poller = t.poller(succeed);
    poller.pause();
    const ids = await t.writeOutboxEvents(2);

    const paused = await poller.pollOnce();
    poller.resume();
    const resumed = await poller.drain();

    expect(paused).toMatchObject({ invoked: 0, fetched: 0 });
    expect(resumed).toMatchObject({ records: 2, drained: true });
    expect(t.batches).toEqual([ids]);
  });

  it('refuses a batch size outside 1..10000', () => {
    expect(() => t.poller(succeed, { batchSize: 0 })).toThrow(/batchSize.*got 0/);
    expect(() => t.poller(succeed, { batchSize: 10_001 })).toThrow(/got 10001/);
  });

  it('delivers every outbox record exactly once across many writes and small batches', async () => {
    const ids = await t.writeOutboxEvents(25);
    const poller = t.poller(succeed, { batchSize: 7 });

    await poller.drain();

    expect(t.batches.flat()).toEqual(ids);
  });
});
