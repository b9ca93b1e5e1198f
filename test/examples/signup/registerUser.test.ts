import { describe, expect, it } from 'vitest';
import {
  InvalidRegistrationError,
  UserAlreadyExistsError,
} from '../../../examples/signup/errors.ts';
import { USER_REGISTERED, UserEvents } from '../../../examples/signup/notifications.ts';
import { emailKey, registerUser, userKey } from '../../../examples/signup/registerUser.ts';
import { defineOutbox } from '../../../lambdas/outbox/defineOutbox.ts';
import { TransactionCanceledError } from '../../../lambdas/outbox/errors.ts';
import { MemoryOutboxStore } from '../../../lambdas/outbox/MemoryOutboxStore.ts';
import { fromOutboxItem, outboxKey } from '../../../lambdas/outbox/outboxItem.ts';
import type { TransactItems } from '../../../lambdas/ports.ts';
import { eventIds, fakeClock, rejectionOf, T0 } from '../../helpers/events.ts';

const TABLE = 'tidings';
const [USER_A, EVENT_A, USER_B, EVENT_B] = eventIds(4) as [string, string, string, string];

/** An outbox like `usersOutbox`, on a fixed clock. */
const outbox = defineOutbox({
  name: 'users',
  schema: UserEvents,
  clock: fakeClock(),
});

/** Hands out the given ids in order. */
function idsFrom(...ids: string[]): () => string {
  const queue = [...ids];
  return () => {
    const id = queue.shift();
    if (!id) throw new Error('test ran out of ids');
    return id;
  };
}

describe('registerUser', () => {
  it('writes the user, the email claim and the user.registered outbox item in one transaction', async () => {
    // Arrange
    const store = new MemoryOutboxStore();
    const iso = new Date(T0).toISOString();

    // Act
    const result = await registerUser(
      { email: '  Ada@Example.COM ', name: ' Ada ' },
      { writer: store, tableName: TABLE, outbox, newId: idsFrom(USER_A, EVENT_A) },
    );

    // Assert
    expect(result).toEqual({ userId: USER_A, eventId: EVENT_A });
    expect(store.get(userKey(USER_A))).toEqual({
      ...userKey(USER_A),
      kind: 'user',
      userId: USER_A,
      email: 'ada@example.com',
      name: 'Ada',
      createdAt: iso,
    });
    expect(store.get(emailKey('ada@example.com'))).toEqual({
      ...emailKey('ada@example.com'),
      kind: 'userEmail',
      email: 'ada@example.com',
      userId: USER_A,
      createdAt: iso,
    });
    const stored = fromOutboxItem(store.get(outboxKey(EVENT_A)) ?? {});
    expect(stored).toEqual({
      event: {
        eventId: EVENT_A,
        eventType: USER_REGISTERED,
        occurredAt: iso,
        orderingKey: USER_A,
        payload: { userId: USER_A, email: 'ada@example.com', name: 'Ada' },
      },
      outbox: 'users',
    });
  });

  it('leaves name out of the user and the payload when none is given, and correlates to the request id', async () => {
    // Arrange
    const store = new MemoryOutboxStore();

    // Act
    await registerUser(
      { email: 'ada@example.com' },
      {
        writer: store,
        tableName: TABLE,
        outbox,
        newId: idsFrom(USER_A, EVENT_A),
        requestId: 'req-9',
      },
    );

    // Assert
    expect(store.get(userKey(USER_A))).not.toHaveProperty('name');
    const item = store.get(outboxKey(EVENT_A));
    expect(item?.payload).toEqual({ userId: USER_A, email: 'ada@example.com' });
    expect(item?.correlationId).toBe('req-9');
  });

  it('refuses an email that is taken, whatever its case, and writes nothing of the second attempt', async () => {
    // Arrange
    const store = new MemoryOutboxStore();
    await registerUser(
      { email: 'ada@example.com' },
      { writer: store, tableName: TABLE, outbox, newId: idsFrom(USER_A, EVENT_A) },
    );

    // Act
    const error = await rejectionOf(
      registerUser(
        { email: 'ADA@example.com', name: 'Impostor' },
        { writer: store, tableName: TABLE, outbox, newId: idsFrom(USER_B, EVENT_B) },
      ),
    );

    // Assert
    expect(error).toBeInstanceOf(UserAlreadyExistsError);
    expect(error).toMatchObject({ email: 'ada@example.com', permanent: true });
    expect((error as Error).cause).toBeInstanceOf(TransactionCanceledError);
    expect(store.get(userKey(USER_B))).toBeUndefined();
    expect(store.get(outboxKey(EVENT_B))).toBeUndefined();
    expect(store.get(emailKey('ada@example.com'))?.userId).toBe(USER_A);
  });

  it('rethrows a cancellation that is not about the email as it is', async () => {
    // Arrange: a store that refuses the outbox item, as if the event had been written before.
    const cancelled = new TransactionCanceledError([
      { code: 'None' },
      { code: 'None' },
      { code: 'ConditionalCheckFailed' },
    ]);
    const store = new MemoryOutboxStore({ fault: () => cancelled });

    // Act
    const error = await rejectionOf(
      registerUser(
        { email: 'ada@example.com' },
        { writer: store, tableName: TABLE, outbox, newId: idsFrom(USER_A, EVENT_A) },
      ),
    );

    // Assert
    expect(error).toBe(cancelled);
  });

  it('rejects invalid input with an issue per bad field, before writing anything', async () => {
    // Arrange
    const store = new MemoryOutboxStore();

    // Act
    const error = await rejectionOf(
      registerUser(
        { email: 'not-an-email', name: '   ' },
        { writer: store, tableName: TABLE, outbox, newId: idsFrom(USER_A, EVENT_A) },
      ),
    );

    // Assert
    expect(error).toBeInstanceOf(InvalidRegistrationError);
    const issues = (error as InvalidRegistrationError).issues;
    expect(issues.map((issue) => issue.path)).toEqual(['email', 'name']);
    expect((error as Error).message).toContain('email:');
    expect(store.itemsWithPrefix('')).toEqual([]);
  });

  it.each([
    ['a line break', 'Ada\nYour invoice is overdue', /control, invisible formatting/],
    ['a right-to-left override', 'Ada\u202Eevil', /control, invisible formatting/],
    ['a zero-width space', 'A\u200Bda', /control, invisible formatting/],
    ['NUL', 'Ada\u0000', /control, invisible formatting/],
    ['a lone surrogate', 'Ada\uD800', /control, invisible formatting/],
    ['a link', 'Ada https://evil.example', /look like a link/],
    ['a bare domain', 'visit evil.com now', /look like a link/],
    ['www.', 'www.example', /look like a link/],
  ])('refuses a name with %s before writing anything', async (_case, name, message) => {
    // Arrange
    const store = new MemoryOutboxStore();

    // Act
    const error = await rejectionOf(
      registerUser(
        { email: 'ada@example.com', name },
        { writer: store, tableName: TABLE, outbox, newId: idsFrom(USER_A, EVENT_A) },
      ),
    );

    // Assert
    expect(error).toBeInstanceOf(InvalidRegistrationError);
    expect((error as InvalidRegistrationError).issues).toEqual([
      { path: 'name', message: expect.stringMatching(message) },
    ]);
    expect(store.itemsWithPrefix('')).toEqual([]);
  });

  it('refuses a name that could carry a message or a link to an unconfirmed address', async () => {
    // Arrange: a line break starts a message of the signup's own; a bare domain becomes a link.
    const store = new MemoryOutboxStore();
    const attempt = (name: string) =>
      rejectionOf(
        registerUser(
          { email: 'ada@example.com', name },
          { writer: store, tableName: TABLE, outbox, newId: idsFrom(USER_A, EVENT_A) },
        ),
      );

    // Act
    const errors = await Promise.all(
      ['Ada\r\nCall +1 555 0100 now', 'Ada\u202E', 'Ada at evil.com'].map(attempt),
    );

    // Assert
    for (const error of errors) expect(error).toBeInstanceOf(InvalidRegistrationError);
    expect(errors.map((e) => (e as InvalidRegistrationError).issues[0]?.path)).toEqual([
      'name',
      'name',
      'name',
    ]);
    expect(store.itemsWithPrefix('')).toEqual([]);
  });

  it.each(['Ada Lovelace', 'José María', "O'Brien", 'J.R.R. Tolkien', 'Anne-Marie', '李小龙'])(
    'accepts the name %j',
    async (name) => {
      const store = new MemoryOutboxStore();

      const user = await registerUser(
        { email: 'ada@example.com', name },
        { writer: store, tableName: TABLE, outbox, newId: idsFrom(USER_A, EVENT_A) },
      );

      expect(user.userId).toBe(USER_A);
    },
  );

  it('reports a non-object input at the root', async () => {
    // Act
    const error = await rejectionOf(
      registerUser('ada@example.com', { writer: new MemoryOutboxStore(), tableName: TABLE }),
    );

    // Assert
    expect((error as InvalidRegistrationError).issues).toEqual([
      { path: '(root)', message: expect.stringContaining('expected object') },
    ]);
  });

  it('writes the user and the email claim to its table and the event to outboxTableName, in one transaction', async () => {
    // Arrange
    const calls: TransactItems[] = [];
    const writer = {
      async transactWrite(items: TransactItems) {
        calls.push(items);
      },
    };

    // Act
    await registerUser(
      { email: 'ada@example.com' },
      {
        writer,
        tableName: 'users',
        outboxTableName: TABLE,
        outbox,
        newId: idsFrom(USER_A, EVENT_A),
      },
    );

    // Assert
    expect(calls).toHaveLength(1);
    expect(calls[0]?.map((op) => [op.Put?.TableName, op.Put?.Item?.pk])).toEqual([
      ['users', `USER#${USER_A}`],
      ['users', 'EMAIL#ada@example.com'],
      [TABLE, `OUTBOX#${EVENT_A}`],
    ]);
  });

  it('sends the three items with their conditions and a client request token to the writer', async () => {
    // Arrange
    const calls: { items: TransactItems; token: string | undefined }[] = [];
    const writer = {
      async transactWrite(items: TransactItems, options?: { clientRequestToken?: string }) {
        calls.push({ items, token: options?.clientRequestToken });
      },
    };

    // Act
    await registerUser(
      { email: 'ada@example.com' },
      { writer, tableName: TABLE, outbox, newId: idsFrom(USER_A, EVENT_A) },
    );
    await registerUser(
      { email: 'ada@example.com' },
      { writer, tableName: TABLE, outbox, newId: idsFrom(USER_B, EVENT_B) },
    );

    // Assert
    const [first, second] = calls;
    expect(first?.items.map((op) => [op.Put?.Item?.pk, op.Put?.ConditionExpression])).toEqual([
      [`USER#${USER_A}`, 'attribute_not_exists(pk)'],
      ['EMAIL#ada@example.com', 'attribute_not_exists(pk)'],
      [`OUTBOX#${EVENT_A}`, 'attribute_not_exists(pk)'],
    ]);
    expect(first?.token).toMatch(/^[0-9a-f]{32}$/);
    // A new call is a new attempt: its token must differ, or DynamoDB would answer it with
    // IdempotentParameterMismatch instead of the email claim's 409.
    expect(second?.token).not.toBe(first?.token);
  });
});
