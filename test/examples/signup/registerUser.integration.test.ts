import { randomUUID } from 'node:crypto';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USERS_TABLE_DEFINITION } from '../../../examples/recipes/notifications/recipe.ts';
import { UserAlreadyExistsError } from '../../../examples/signup/errors.ts';
import { usersOutbox } from '../../../examples/signup/notifications.ts';
import { emailKey, registerUser, userKey } from '../../../examples/signup/registerUser.ts';
import {
  createTransactWriteClient,
  DynamoDbTransactWriter,
} from '../../../lambdas/aws/DynamoDbTransactWriter.ts';
import { DynamoDbRequestError } from '../../../lambdas/aws/errors.ts';
import { createTidingsTable } from '../../../lambdas/local/createTables.ts';
import { LOCAL_AWS_CONFIG } from '../../../lambdas/local/DynamoDbLocal.ts';
import { fromOutboxItem, outboxKey } from '../../../lambdas/outbox/outboxItem.ts';
import { outboxTransactItem } from '../../../lambdas/outbox/outboxTransactItem.ts';
import { uniqueTableName, useLocalAws } from '../../helpers/dynamodbLocal.ts';
import { rejectionOf } from '../../helpers/events.ts';

// The run's shared DynamoDB Local, or one of the file's own when it runs without the global
// setup: never skipped, never real AWS. A table of our own, since the run shares it.
const local = useLocalAws();
const TABLE = uniqueTableName('producer');
/** The example's users table, beside the outbox table, as a deployed service has it. */
const USERS = uniqueTableName('producer-users');
let client: DynamoDBDocumentClient;
let writer: DynamoDbTransactWriter;

beforeAll(async () => {
  await createTidingsTable(local().dynamoDb, TABLE);
  await local().dynamoDb.send(
    new CreateTableCommand({ ...USERS_TABLE_DEFINITION, TableName: USERS }),
  );
  client = createTransactWriteClient({ ...LOCAL_AWS_CONFIG, endpoint: local().dynamoDbEndpoint });
  writer = new DynamoDbTransactWriter({ client });
});

afterAll(() => {
  client?.destroy();
});

async function get(
  key: { pk: string; sk: string },
  tableName = TABLE,
): Promise<Record<string, unknown> | undefined> {
  return (await client.send(new GetCommand({ TableName: tableName, Key: key }))).Item;
}

describe('registerUser on DynamoDB Local', () => {
  it('commits the user, the email claim and an outbox item the relay can read', async () => {
    // Act
    const { userId, eventId } = await registerUser(
      { email: 'grace@example.com', name: 'Grace' },
      { writer, tableName: TABLE },
    );

    // Assert
    expect(await get(userKey(userId))).toMatchObject({ email: 'grace@example.com', name: 'Grace' });
    expect(await get(emailKey('grace@example.com'))).toMatchObject({ userId });
    const stored = fromOutboxItem((await get(outboxKey(eventId))) ?? {});
    expect(stored.event.payload).toEqual({ userId, email: 'grace@example.com', name: 'Grace' });
  });

  it('refuses a taken email from the real cancellation reasons and writes nothing of it', async () => {
    // Arrange
    await registerUser({ email: 'linus@example.com' }, { writer, tableName: TABLE });
    const ids = ['0194a3f2-7c00-7a1b-8c2d-00000000aa01', '0194a3f2-7c00-7a1b-8c2d-00000000aa02'];

    // Act
    const error = await rejectionOf(
      registerUser(
        { email: 'LINUS@example.com' },
        { writer, tableName: TABLE, newId: () => ids.shift() ?? '' },
      ),
    );

    // Assert
    expect(error).toBeInstanceOf(UserAlreadyExistsError);
    expect(await get(userKey('0194a3f2-7c00-7a1b-8c2d-00000000aa01'))).toBeUndefined();
    expect(await get(outboxKey('0194a3f2-7c00-7a1b-8c2d-00000000aa02'))).toBeUndefined();
  });

  it('commits the user and the email claim to the users table and the event to the outbox table together', async () => {
    // Act
    const { userId, eventId } = await registerUser(
      { email: 'ada@example.com', name: 'Ada' },
      { writer, tableName: USERS, outboxTableName: TABLE },
    );

    // Assert
    expect(await get(userKey(userId), USERS)).toMatchObject({ email: 'ada@example.com' });
    expect(await get(emailKey('ada@example.com'), USERS)).toMatchObject({ userId });
    expect(await get(userKey(userId))).toBeUndefined();
    const stored = fromOutboxItem((await get(outboxKey(eventId))) ?? {});
    expect(stored.event.payload).toEqual({ userId, email: 'ada@example.com', name: 'Ada' });
    expect(await get(outboxKey(eventId), USERS)).toBeUndefined();
  });

  it('writes nothing to either table when the email is taken in the users table', async () => {
    // Arrange
    await registerUser(
      { email: 'edsger@example.com' },
      { writer, tableName: USERS, outboxTableName: TABLE },
    );
    const ids = ['0194a3f2-7c00-7a1b-8c2d-00000000bb01', '0194a3f2-7c00-7a1b-8c2d-00000000bb02'];

    // Act
    const error = await rejectionOf(
      registerUser(
        { email: 'Edsger@Example.com' },
        { writer, tableName: USERS, outboxTableName: TABLE, newId: () => ids.shift() ?? '' },
      ),
    );

    // Assert
    expect(error).toBeInstanceOf(UserAlreadyExistsError);
    expect(await get(userKey('0194a3f2-7c00-7a1b-8c2d-00000000bb01'), USERS)).toBeUndefined();
    expect(await get(outboxKey('0194a3f2-7c00-7a1b-8c2d-00000000bb02'))).toBeUndefined();
  });

  it('answers a replay of a committed transaction with its token as success, applying nothing again', async () => {
    // Arrange: the retry a lost response would cause, with the same token and items.
    const entry = outboxTransactItem({
      tableName: TABLE,
      outbox: usersOutbox,
      eventType: 'user.registered',
      payload: { userId: randomUUID(), email: 'replay@example.com' },
    });
    const claim = {
      Put: {
        TableName: TABLE,
        Item: { ...emailKey('replay@example.com'), userId: 'u-1' },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
    const token = randomUUID();
    await writer.transactWrite([claim, entry.item], { clientRequestToken: token });

    // Act
    const replay = await rejectionOf(
      writer.transactWrite([claim, entry.item], { clientRequestToken: token }),
    );
    const withoutToken = await rejectionOf(writer.transactWrite([claim, entry.item]));

    // Assert: without the token the same retry would have failed its own conditions.
    expect(replay).toBeUndefined();
    expect(withoutToken).toMatchObject({ name: 'TransactionCanceledError' });
  });

  it('refuses a token reused with other items as a permanent error', async () => {
    // Arrange
    const token = randomUUID();
    const put = (pk: string) => ({ Put: { TableName: TABLE, Item: { pk, sk: 'S' } } });
    await writer.transactWrite([put(`A-${token}`)], { clientRequestToken: token });

    // Act
    const error = await rejectionOf(
      writer.transactWrite([put(`B-${token}`)], { clientRequestToken: token }),
    );

    // Assert
    expect(error).toBeInstanceOf(DynamoDbRequestError);
    expect(error).toMatchObject({ permanent: true, code: 'IdempotentParameterMismatchException' });
  });
});
