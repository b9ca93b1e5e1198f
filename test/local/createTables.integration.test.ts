import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLedgerTable, createTidingsTable } from '../../lambdas/local/createTables.ts';
import { outboxKey, toOutboxItem } from '../../lambdas/outbox/outboxItem.ts';
import { TABLE_DEFINITION } from '../../lambdas/outbox/tableDefinition.ts';
import { uniqueTableName, useLocalAws } from '../helpers/dynamodbLocal.ts';
import { eventIds, makeEvent, rejectionOf } from '../helpers/events.ts';

const local = useLocalAws();
const OUTBOX = { name: 'users' };

describe('createTidingsTable', () => {
  let tableName: string;
  let streamArn: string;
  let doc: DynamoDBDocumentClient;

  beforeAll(async () => {
    tableName = uniqueTableName('tidings');
    ({ streamArn } = await createTidingsTable(local().dynamoDb, tableName));
    doc = DynamoDBDocumentClient.from(local().dynamoDb);
  });

  it('creates the keys, billing, stream and pending index of TABLE_DEFINITION', async () => {
    const { Table } = await local().dynamoDb.send(
      new DescribeTableCommand({ TableName: tableName }),
    );

    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: TABLE_DEFINITION.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: TABLE_DEFINITION.sortKey.name, KeyType: 'RANGE' },
    ]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.StreamSpecification).toEqual({
      StreamEnabled: true,
      StreamViewType: TABLE_DEFINITION.streamViewType,
    });
    expect(Table?.LatestStreamArn).toBe(streamArn);
    expect(Table?.GlobalSecondaryIndexes).toEqual([
      expect.objectContaining({
        IndexName: TABLE_DEFINITION.pendingIndex.indexName,
        IndexStatus: 'ACTIVE',
        KeySchema: [
          { AttributeName: TABLE_DEFINITION.pendingIndex.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: TABLE_DEFINITION.pendingIndex.sortKey.name, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      }),
    ]);
  });

  it('enables TTL on the definition attribute', async () => {
    const { TimeToLiveDescription } = await local().dynamoDb.send(
      new DescribeTimeToLiveCommand({ TableName: tableName }),
    );

    expect(TimeToLiveDescription).toEqual({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: TABLE_DEFINITION.timeToLiveAttribute,
    });
  });

  it('indexes outbox items in the sparse pending index, and not business items', async () => {
    const [eventId = ''] = eventIds(1);
    const item = toOutboxItem(makeEvent({ eventId }), OUTBOX);
    await doc.send(new PutCommand({ TableName: tableName, Item: item }));
    await doc.send(new PutCommand({ TableName: tableName, Item: { pk: 'USER#1', sk: 'USER' } }));

    const { Items } = await doc.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: TABLE_DEFINITION.pendingIndex.indexName,
        KeyConditionExpression: '#shard = :shard',
        ExpressionAttributeNames: { '#shard': TABLE_DEFINITION.pendingIndex.partitionKey.name },
        ExpressionAttributeValues: { ':shard': item.pendingShard },
      }),
    );

    expect(Items).toEqual([
      { pk: item.pk, sk: item.sk, pendingShard: item.pendingShard, occurredAt: item.occurredAt },
    ]);
  });
});

describe('TransactWriteItems on DynamoDB Local', () => {
  let tableName: string;
  let doc: DynamoDBDocumentClient;

  beforeAll(async () => {
    tableName = uniqueTableName('tidings-tx');
    await createTidingsTable(local().dynamoDb, tableName);
    doc = DynamoDBDocumentClient.from(local().dynamoDb);
  });

  const read = async (key: { pk: string; sk: string }) =>
    (await doc.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;

  const signup = (userId: string, eventId: string) => {
    const outboxItem = toOutboxItem(makeEvent({ eventId, payload: { userId } }), OUTBOX);
    return {
      outboxItem,
      user: { pk: `USER#${userId}`, sk: 'USER', email: `${userId}@example.com` },
      items: [
        {
          Put: {
            TableName: tableName,
            Item: { pk: `USER#${userId}`, sk: 'USER', email: `${userId}@example.com` },
            // The user must not exist yet: a second signup must not stage a second event.
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        { Put: { TableName: tableName, Item: outboxItem } },
      ],
    };
  };

  it('writes the business item and the outbox item together', async () => {
    const [eventId = ''] = eventIds(2).slice(1);
    const { items, user, outboxItem } = signup('ada', eventId);

    await doc.send(new TransactWriteCommand({ TransactItems: items }));

    expect(await read({ pk: user.pk, sk: user.sk })).toEqual(user);
    expect(await read(outboxKey(eventId))).toEqual(outboxItem);
  });

  it('writes neither when the business condition fails', async () => {
    await doc.send(new PutCommand({ TableName: tableName, Item: { pk: 'USER#bob', sk: 'USER' } }));
    const eventId = '0194a3f2-7c00-7a1b-8c2d-00000000b0b0';
    const { items } = signup('bob', eventId);

    const error = await rejectionOf(doc.send(new TransactWriteCommand({ TransactItems: items })));

    expect(error).toMatchObject({
      name: 'TransactionCanceledException',
      CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
    });
    expect(await read(outboxKey(eventId))).toBeUndefined();
    expect(await read({ pk: 'USER#bob', sk: 'USER' })).toEqual({ pk: 'USER#bob', sk: 'USER' });
  });
});

describe('createLedgerTable', () => {
  it('creates the ledger from LEDGER_TABLE_DEFINITION with TTL', async () => {
    const tableName = uniqueTableName('tidings-ledger');

    await createLedgerTable(local().dynamoDb, tableName);
    const { Table } = await local().dynamoDb.send(
      new DescribeTableCommand({ TableName: tableName }),
    );
    const { TimeToLiveDescription } = await local().dynamoDb.send(
      new DescribeTimeToLiveCommand({ TableName: tableName }),
    );

    expect(Table?.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    expect(Table?.AttributeDefinitions).toEqual([{ AttributeName: 'pk', AttributeType: 'S' }]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.StreamSpecification).toBeUndefined();
    expect(TimeToLiveDescription?.AttributeName).toBe('expiresAt');
  });
});
