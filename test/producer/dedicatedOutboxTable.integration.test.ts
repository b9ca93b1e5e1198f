import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { ListStreamsCommand } from '@aws-sdk/client-dynamodb-streams';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DynamoDbPendingOutbox } from '../../lambdas/aws/DynamoDbPendingOutbox.ts';
import {
  createTransactWriteClient,
  DynamoDbTransactWriter,
} from '../../lambdas/aws/DynamoDbTransactWriter.ts';
import { createTidingsTable } from '../../lambdas/local/createTables.ts';
import { LOCAL_AWS_CONFIG } from '../../lambdas/local/DynamoDbLocal.ts';
import { StreamPoller } from '../../lambdas/local/StreamPoller.ts';
import { defineOutbox } from '../../lambdas/outbox/defineOutbox.ts';
import { TransactionCanceledError } from '../../lambdas/outbox/errors.ts';
import { MemoryOutboxStore } from '../../lambdas/outbox/MemoryOutboxStore.ts';
import { fromOutboxItem, outboxKey } from '../../lambdas/outbox/outboxItem.ts';
import {
  outboxTransactItem,
  transactWriteWithOutbox,
} from '../../lambdas/outbox/outboxTransactItem.ts';
import { OUTBOX_STREAM_FILTER } from '../../lambdas/outbox/tableDefinition.ts';
import type { TransactItems, TransactWriter } from '../../lambdas/ports.ts';
import { uniqueTableName, useLocalAws } from '../helpers/dynamodbLocal.ts';
import { rejectionOf } from '../helpers/events.ts';

// The dedicated-outbox layout: the caller's table keeps its own shape (key `id`, no stream, no
// Tidings index) and the outbox items go to a Tidings table, in the same TransactWriteItems.
const local = useLocalAws();
const USERS = uniqueTableName('users');
const OUTBOX = uniqueTableName('outbox');
let client: DynamoDBDocumentClient;

const signups = defineOutbox({
  name: 'signups',
  schema: z.object({ userId: z.string(), email: z.string() }),
});

type Item = Record<string, unknown>;

/** A user's table as a team already has it: partition key `id`, nothing else. */
async function createUsersTable(tableName: string): Promise<void> {
  await local().dynamoDb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }),
  );
}

/** A signup's items in the caller's table (the user, the email claim) and its outbox entry. */
function signup(email: string, tables: { users: string; outbox: string }) {
  const userId = randomUUID();
  const items: TransactItems = [
    {
      Put: {
        TableName: tables.users,
        Item: { id: `USER#${userId}`, email },
        ConditionExpression: 'attribute_not_exists(id)',
      },
    },
    {
      Put: {
        TableName: tables.users,
        Item: { id: `EMAIL#${email}`, userId },
        // Only one signup per email can commit.
        ConditionExpression: 'attribute_not_exists(id)',
      },
    },
  ];
  const outbox = outboxTransactItem({
    tableName: tables.outbox,
    outbox: signups,
    eventType: 'user.registered',
    payload: { userId, email },
  });
  return { userId, eventId: outbox.event.eventId, items, outbox };
}

/** Where a scenario runs, and how it reads each table back. */
interface Layout {
  readonly writer: () => TransactWriter;
  readonly getUser: (id: string) => Promise<Item | undefined>;
  readonly getOutboxItem: (eventId: string) => Promise<Item | undefined>;
}

const memoryStore = new MemoryOutboxStore({
  outboxTableName: OUTBOX,
  keyAttributes: { [USERS]: ['id'] },
});

const layouts: Record<string, Layout> = {
  'DynamoDB Local': {
    writer: () => new DynamoDbTransactWriter({ client }),
    getUser: async (id) =>
      (await client.send(new GetCommand({ TableName: USERS, Key: { id } }))).Item,
    getOutboxItem: async (eventId) =>
      (await client.send(new GetCommand({ TableName: OUTBOX, Key: outboxKey(eventId) }))).Item,
  },
  MemoryOutboxStore: {
    writer: () => memoryStore,
    getUser: async (id) => memoryStore.get({ id }, USERS),
    getOutboxItem: async (eventId) => memoryStore.get(outboxKey(eventId), OUTBOX),
  },
};

beforeAll(async () => {
  await createUsersTable(USERS);
  await createTidingsTable(local().dynamoDb, OUTBOX);
  client = createTransactWriteClient({ ...LOCAL_AWS_CONFIG, endpoint: local().dynamoDbEndpoint });
});

afterAll(() => {
  client?.destroy();
});

describe.each(Object.entries(layouts))('a dedicated outbox table on %s', (_name, layout) => {
  it("commits the business items in the caller's table and the outbox item in the outbox table together", async () => {
    // Arrange
    const email = `${randomUUID()}@example.com`;
    const { userId, eventId, items, outbox } = signup(email, { users: USERS, outbox: OUTBOX });

    // Act
    await transactWriteWithOutbox(layout.writer(), items, outbox);

    // Assert
    expect(await layout.getUser(`USER#${userId}`)).toEqual({ id: `USER#${userId}`, email });
    expect(await layout.getUser(`EMAIL#${email}`)).toEqual({ id: `EMAIL#${email}`, userId });
    const stored = fromOutboxItem((await layout.getOutboxItem(eventId)) ?? {});
    expect(stored.event.payload).toEqual({ userId, email });
  });

  it("cancels both tables' writes when a condition on a business item fails", async () => {
    // Arrange: the email is already claimed.
    const email = `${randomUUID()}@example.com`;
    const first = signup(email, { users: USERS, outbox: OUTBOX });
    await transactWriteWithOutbox(layout.writer(), first.items, first.outbox);
    const second = signup(email, { users: USERS, outbox: OUTBOX });

    // Act
    const error = await rejectionOf(
      transactWriteWithOutbox(layout.writer(), second.items, second.outbox),
    );

    // Assert: the reasons line up with [user, email claim, outbox item].
    expect(error).toBeInstanceOf(TransactionCanceledError);
    expect((error as TransactionCanceledError).reasons.map((r) => r.code)).toEqual([
      'None',
      'ConditionalCheckFailed',
      'None',
    ]);
    expect(await layout.getUser(`USER#${second.userId}`)).toBeUndefined();
    expect(await layout.getOutboxItem(second.eventId)).toBeUndefined();
    expect(await layout.getUser(`EMAIL#${email}`)).toEqual({
      id: `EMAIL#${email}`,
      userId: first.userId,
    });
    expect(await layout.getOutboxItem(first.eventId)).toBeDefined();
  });
});

describe('the streams of a dedicated outbox table on DynamoDB Local', () => {
  it("carry only outbox records on the outbox table's stream, and the caller's table has none", async () => {
    // Arrange: tables of this test's own, so the stream holds only what it writes.
    const tables = { users: uniqueTableName('users'), outbox: uniqueTableName('outbox') };
    await createUsersTable(tables.users);
    const { streamArn } = await createTidingsTable(local().dynamoDb, tables.outbox);
    const writer = new DynamoDbTransactWriter({ client });
    const emails = ['a', 'b', 'c'].map((name) => `${name}-${randomUUID()}@example.com`);
    const committed: string[] = [];
    for (const email of emails) {
      const { eventId, items, outbox } = signup(email, tables);
      await transactWriteWithOutbox(writer, items, outbox);
      committed.push(eventId);
    }
    // A cancelled transaction (the email is taken) writes nothing to either table.
    const taken = signup(emails[0] ?? '', tables);
    const cancelled = await rejectionOf(transactWriteWithOutbox(writer, taken.items, taken.outbox));
    const [relayed = ''] = committed;
    await new DynamoDbPendingOutbox({ tableName: tables.outbox, client }).deleteRelayed([relayed]);
    const seen: DynamoDBRecord[] = [];
    const everything = new StreamPoller({
      streamArn,
      streamsClient: local().streams,
      handler: async (event) => {
        seen.push(...event.Records);
      },
    });
    const relay = new StreamPoller({
      streamArn,
      streamsClient: local().streams,
      filter: OUTBOX_STREAM_FILTER,
      handler: async () => {},
    });

    // Act
    await everything.drain();
    const relayRun = await relay.drain();
    const usersTable = await local().dynamoDb.send(
      new DescribeTableCommand({ TableName: tables.users }),
    );
    const usersStreams = await local().streams.send(
      new ListStreamsCommand({ TableName: tables.users }),
    );

    // Assert
    const keys = seen.map((r) => `${r.eventName} ${r.dynamodb?.Keys?.pk?.S}`);
    expect(keys.sort()).toEqual(
      [
        ...committed.map((id) => `INSERT ${outboxKey(id).pk}`),
        `REMOVE ${outboxKey(relayed).pk}`,
      ].sort(),
    );
    expect(
      seen.filter((r) => r.eventName === 'INSERT').map((r) => r.dynamodb?.NewImage?.kind?.S),
    ).toEqual(['outbox', 'outbox', 'outbox']);
    // The relay's filter passes the three INSERTs and discards only the relay's own delete.
    expect(relayRun).toMatchObject({ records: 3, filtered: 1 });
    expect(cancelled).toBeInstanceOf(TransactionCanceledError);
    expect(usersTable.Table?.StreamSpecification).toBeUndefined();
    expect(usersTable.Table?.LatestStreamArn).toBeUndefined();
    expect(usersStreams.Streams ?? []).toEqual([]);
  });
});
