import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDbPendingOutbox } from '../../lambdas/aws/DynamoDbPendingOutbox.ts';
import { OutboxDeleteError } from '../../lambdas/aws/relayErrors.ts';
import { OutboxSetAsideError } from '../../lambdas/outbox/errors.ts';
import { outboxKey, toOutboxItem } from '../../lambdas/outbox/outboxItem.ts';
import { TABLE_DEFINITION } from '../../lambdas/outbox/tableDefinition.ts';
import type { OutboxItemKey } from '../../lambdas/ports.ts';
import { eventIds, makeEvent, rejectionOf } from '../helpers/events.ts';

const TABLE = 'tidings';
const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));

afterEach(() => {
  ddb.reset();
});

function store() {
  return new DynamoDbPendingOutbox({ tableName: TABLE, client, sleep: async () => {} });
}

/** A store that records the non-outbox keys it reports. */
function reportingStore() {
  const reported: OutboxItemKey[] = [];
  const outbox = new DynamoDbPendingOutbox({
    tableName: TABLE,
    client,
    onNonOutboxKey: (key) => reported.push(key),
  });
  return { outbox, reported };
}

function itemAt(eventId: string, minute: number) {
  const occurredAt = new Date(Date.UTC(2025, 0, 1, 0, minute)).toISOString();
  return toOutboxItem(makeEvent({ eventId, occurredAt }), {
    name: 'users',
  });
}

describe('DynamoDbPendingOutbox', () => {
  it('queries every shard of the pending index and returns the oldest whole items first', async () => {
    // Arrange: three items in two shards; the index only has keys, the table has the items.
    const [a, b, c] = eventIds(3) as [string, string, string];
    const items = [itemAt(a, 30), itemAt(b, 10), itemAt(c, 20)];
    ddb.on(QueryCommand).callsFake((input) => ({
      Items: items
        .filter((item) => item.pendingShard === input.ExpressionAttributeValues[':shard'])
        .sort((x, y) => x.occurredAt.localeCompare(y.occurredAt))
        .map(({ pk, sk, pendingShard, occurredAt }) => ({ pk, sk, pendingShard, occurredAt })),
    }));
    ddb.on(BatchGetCommand).callsFake((input) => ({
      Responses: {
        [TABLE]: items.filter((item) =>
          input.RequestItems[TABLE].Keys.some((key: { pk: string }) => key.pk === item.pk),
        ),
      },
    }));

    // Act
    const pending = await store().listPending({ olderThan: '2025-01-01T01:00:00.000Z', limit: 2 });

    // Assert
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, TABLE_DEFINITION.pendingIndex.shards);
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      TableName: TABLE,
      IndexName: 'outbox-pending',
      KeyConditionExpression: '#shard = :shard AND #occurredAt <= :olderThan',
      ExpressionAttributeValues: {
        ':shard': 'pending#0',
        ':olderThan': '2025-01-01T01:00:00.000Z',
      },
    });
    expect(pending.map((item) => item.eventId)).toEqual([b, c]);
    expect(pending[0]).toMatchObject({ payload: { userId: 'u-1' }, outbox: 'users' });
  });

  it('leaves keys that are not outbox items out of the read, reports them, and fills the limit with outbox items', async () => {
    // Arrange: the oldest key in the index is a hand-written item's; the sweeper's IAM grant
    // (outbox keys only) would refuse a BatchGetItem that asked for it.
    const [a, b] = eventIds(2) as [string, string];
    const items = [itemAt(a, 20), itemAt(b, 30)];
    const foreign = { pk: 'USER#1', sk: 'PROFILE', occurredAt: '2025-01-01T00:01:00.000Z' };
    ddb.on(QueryCommand).callsFake((input) => ({
      Items:
        input.ExpressionAttributeValues[':shard'] === 'pending#0'
          ? [foreign, ...items.map(({ pk, sk, occurredAt }) => ({ pk, sk, occurredAt }))]
          : [],
    }));
    ddb.on(BatchGetCommand).callsFake((input) => ({
      Responses: {
        [TABLE]: items.filter((item) =>
          input.RequestItems[TABLE].Keys.some((key: { pk: string }) => key.pk === item.pk),
        ),
      },
    }));
    const { outbox, reported } = reportingStore();

    // Act
    const pending = await outbox.listPending({ olderThan: '2025-01-01T01:00:00.000Z', limit: 2 });

    // Assert
    expect(pending.map((item) => item.eventId)).toEqual([a, b]);
    const requested = ddb
      .commandCalls(BatchGetCommand)
      .flatMap((call) => call.args[0].input.RequestItems?.[TABLE]?.Keys ?? []);
    expect(requested).toEqual([outboxKey(a), outboxKey(b)]);
    expect(reported).toEqual([{ pk: 'USER#1', sk: 'PROFILE' }]);
  });

  it('reaches the outbox items behind a full page of keys that are not outbox items', async () => {
    // Arrange: a shard whose oldest two keys are hand-written items; each query page holds
    // as many keys as the Limit asks for, as DynamoDB does.
    const [a] = eventIds(1) as [string];
    const item = itemAt(a, 30);
    const shardKeys = [
      { pk: 'USER#1', sk: 'PROFILE', occurredAt: '2025-01-01T00:01:00.000Z' },
      { pk: 'USER#2', sk: 'PROFILE', occurredAt: '2025-01-01T00:02:00.000Z' },
      { pk: item.pk, sk: item.sk, occurredAt: item.occurredAt },
    ];
    ddb.on(QueryCommand).callsFake((input) => {
      if (input.ExpressionAttributeValues[':shard'] !== 'pending#0') return { Items: [] };
      const start = Number(input.ExclusiveStartKey?.position ?? 0);
      const end = start + input.Limit;
      return {
        Items: shardKeys.slice(start, end),
        ...(end < shardKeys.length ? { LastEvaluatedKey: { position: end } } : {}),
      };
    });
    ddb.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [item] } });
    const { outbox, reported } = reportingStore();

    // Act
    const pending = await outbox.listPending({ olderThan: '2025-01-01T01:00:00.000Z', limit: 2 });

    // Assert
    expect(pending.map((found) => found.eventId)).toEqual([a]);
    expect(reported).toEqual([
      { pk: 'USER#1', sk: 'PROFILE' },
      { pk: 'USER#2', sk: 'PROFILE' },
    ]);
  });

  it('retries keys BatchGetItem leaves unprocessed', async () => {
    // Arrange
    const [a] = eventIds(1) as [string];
    const item = itemAt(a, 1);
    ddb
      .on(QueryCommand)
      .resolves({ Items: [] })
      .on(QueryCommand, { ExpressionAttributeValues: { ':shard': item.pendingShard } })
      .resolves({ Items: [{ pk: item.pk, sk: item.sk, occurredAt: item.occurredAt }] });
    ddb
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: { [TABLE]: [] },
        UnprocessedKeys: { [TABLE]: { Keys: [outboxKey(a)] } },
      })
      .resolves({ Responses: { [TABLE]: [item] } });

    // Act
    const pending = await store().listPending({ olderThan: '2025-02-01T00:00:00.000Z', limit: 10 });

    // Assert
    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 2);
    expect(pending.map((p) => p.eventId)).toEqual([a]);
  });

  it('deletes in batches of 25 and retries unprocessed deletes', async () => {
    // Arrange
    const ids = eventIds(30);
    ddb
      .on(BatchWriteCommand)
      .resolvesOnce({
        UnprocessedItems: { [TABLE]: [{ DeleteRequest: { Key: outboxKey(ids[3] as string) } }] },
      })
      .resolves({});

    // Act
    await store().deleteRelayed(ids);

    // Assert
    const sizes = ddb
      .commandCalls(BatchWriteCommand)
      .map((call) => call.args[0].input.RequestItems?.[TABLE]?.length);
    expect(sizes).toEqual([25, 1, 5]);
    expect(ddb).toHaveReceivedNthCommandWith(BatchWriteCommand, 2, {
      RequestItems: { [TABLE]: [{ DeleteRequest: { Key: outboxKey(ids[3] as string) } }] },
    });
  });

  it('names the events whose items stay unprocessed after every attempt', async () => {
    // Arrange
    const [stuck, ok] = eventIds(2) as [string, string];
    ddb.on(BatchWriteCommand).resolves({
      UnprocessedItems: { [TABLE]: [{ DeleteRequest: { Key: outboxKey(stuck) } }] },
    });

    // Act
    const error = await rejectionOf(store().deleteRelayed([stuck, ok]));

    // Assert
    expect(error).toBeInstanceOf(OutboxDeleteError);
    expect(error).toMatchObject({ eventIds: [stuck], permanent: false });
    expect(ddb).toHaveReceivedCommandTimes(BatchWriteCommand, 5);
  });

  it('sets items aside by key: removes pendingShard only from items that still exist', async () => {
    // Arrange
    const [a] = eventIds(1) as [string];
    ddb.on(UpdateCommand).resolves({});

    // Act
    await store().setAside([outboxKey(a), { pk: 'OUTBOX#42', sk: 'OUTBOX' }, outboxKey(a)]);

    // Assert: one update per distinct item, conditional on it existing.
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 2);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: TABLE,
      Key: { pk: 'OUTBOX#42', sk: 'OUTBOX' },
      UpdateExpression: 'REMOVE #pendingShard',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#pendingShard': 'pendingShard' },
    });
  });

  it('counts an item gone meanwhile as set aside, and names the items whose update failed', async () => {
    // Arrange
    const [gone, denied, fine] = eventIds(3) as [string, string, string];
    ddb
      .on(UpdateCommand, { Key: outboxKey(gone) })
      .rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }))
      .on(UpdateCommand, { Key: outboxKey(denied) })
      .rejects(
        Object.assign(new Error('not authorized'), {
          name: 'AccessDeniedException',
          $fault: 'client',
        }),
      )
      .on(UpdateCommand, { Key: outboxKey(fine) })
      .resolves({});

    // Act
    const error = await rejectionOf(
      store().setAside([outboxKey(gone), outboxKey(denied), outboxKey(fine)]),
    );

    // Assert
    expect(error).toBeInstanceOf(OutboxSetAsideError);
    expect(error).toMatchObject({ keys: [`OUTBOX#${denied}`], permanent: false });
    expect((error as Error).cause).toMatchObject({ name: 'AccessDeniedException' });
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 3);
  });
});
