import { describe, expect, it } from 'vitest';
import { TransactionCanceledError } from '../../lambdas/outbox/errors.ts';
import { MemoryOutboxStore } from '../../lambdas/outbox/MemoryOutboxStore.ts';
import { outboxKey, toOutboxItem } from '../../lambdas/outbox/outboxItem.ts';
import type { TransactItems } from '../../lambdas/ports.ts';
import { eventIds, makeEvent, rejectionOf, T0 } from '../helpers/events.ts';

const outbox = { name: 'users' };

function put(pk: string, extra: Record<string, unknown> = {}): TransactItems[number] {
  return {
    Put: {
      TableName: 't',
      Item: { pk, sk: 'S', ...extra },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

function outboxPut(eventId: string, occurredAtMs: number): TransactItems[number] {
  const item = toOutboxItem(
    makeEvent({ eventId, occurredAt: new Date(occurredAtMs).toISOString() }),
    outbox,
  );
  return { Put: { TableName: 't', Item: { ...item } } };
}

describe('MemoryOutboxStore', () => {
  describe('transactWrite', () => {
    it('writes every item of a transaction whose conditions hold', async () => {
      // Arrange
      const store = new MemoryOutboxStore();

      // Act
      await store.transactWrite([put('A', { n: 1 }), put('B', { n: 2 })]);

      // Assert
      expect(store.get({ pk: 'A', sk: 'S' })).toEqual({ pk: 'A', sk: 'S', n: 1 });
      expect(store.get({ pk: 'B', sk: 'S' })).toEqual({ pk: 'B', sk: 'S', n: 2 });
    });

    it('writes none of three items when the second item fails attribute_not_exists, with the reasons lined up', async () => {
      // Arrange
      const store = new MemoryOutboxStore();
      await store.transactWrite([put('B', { original: true })]);

      // Act
      const error = await rejectionOf(
        store.transactWrite([put('A'), put('B', { original: false }), put('C')]),
      );

      // Assert
      expect(error).toBeInstanceOf(TransactionCanceledError);
      expect((error as TransactionCanceledError).reasons.map((r) => r.code)).toEqual([
        'None',
        'ConditionalCheckFailed',
        'None',
      ]);
      expect(store.get({ pk: 'A', sk: 'S' })).toBeUndefined();
      expect(store.get({ pk: 'C', sk: 'S' })).toBeUndefined();
      expect(store.get({ pk: 'B', sk: 'S' })).toMatchObject({ original: true });
    });

    it('resolves #names through ExpressionAttributeNames', async () => {
      // Arrange
      const store = new MemoryOutboxStore();
      const guarded: TransactItems[number] = {
        Put: {
          TableName: 't',
          Item: { pk: 'A', sk: 'S' },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': 'pk' },
        },
      };
      await store.transactWrite([guarded]);

      // Act
      const error = await rejectionOf(store.transactWrite([guarded]));

      // Assert
      expect(error).toBeInstanceOf(TransactionCanceledError);
    });

    it('refuses a #name missing from ExpressionAttributeNames, naming it', async () => {
      // Arrange
      const store = new MemoryOutboxStore();

      // Act
      const error = await rejectionOf(
        store.transactWrite([
          {
            Put: {
              TableName: 't',
              Item: { pk: 'A', sk: 'S' },
              ConditionExpression: 'attribute_exists(#v)',
            },
          },
        ]),
      );

      // Assert
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain('#v');
    });

    it('deletes an item in a transaction', async () => {
      // Arrange
      const store = new MemoryOutboxStore();
      await store.transactWrite([put('A')]);

      // Act
      await store.transactWrite([
        {
          Delete: {
            TableName: 't',
            Key: { pk: 'A', sk: 'S' },
            ConditionExpression: 'attribute_exists(pk)',
          },
        },
      ]);

      // Assert
      expect(store.get({ pk: 'A', sk: 'S' })).toBeUndefined();
    });

    it('cancels a Delete whose attribute_exists condition fails', async () => {
      // Arrange
      const store = new MemoryOutboxStore();

      // Act
      const error = await rejectionOf(
        store.transactWrite([
          {
            Delete: {
              TableName: 't',
              Key: { pk: 'A', sk: 'S' },
              ConditionExpression: 'attribute_exists(pk)',
            },
          },
        ]),
      );

      // Assert
      expect((error as TransactionCanceledError).reasons.map((r) => r.code)).toEqual([
        'ConditionalCheckFailed',
      ]);
    });

    it('lets a ConditionCheck on another item guard the write without changing that item', async () => {
      // Arrange
      const store = new MemoryOutboxStore();
      await store.transactWrite([put('ACCOUNT', { balance: 10 })]);
      const check = (pk: string): TransactItems[number] => ({
        ConditionCheck: {
          TableName: 't',
          Key: { pk, sk: 'S' },
          ConditionExpression: 'attribute_exists(balance)',
        },
      });

      // Act
      await store.transactWrite([check('ACCOUNT'), put('ORDER')]);
      const error = await rejectionOf(store.transactWrite([check('MISSING'), put('ORDER-2')]));

      // Assert
      expect(store.get({ pk: 'ORDER', sk: 'S' })).toBeDefined();
      expect(store.get({ pk: 'ACCOUNT', sk: 'S' })).toEqual({
        pk: 'ACCOUNT',
        sk: 'S',
        balance: 10,
      });
      expect((error as TransactionCanceledError).reasons.map((r) => r.code)).toEqual([
        'ConditionalCheckFailed',
        'None',
      ]);
      expect(store.get({ pk: 'ORDER-2', sk: 'S' })).toBeUndefined();
    });

    it('refuses two operations on one item and writes nothing', async () => {
      // Arrange
      const store = new MemoryOutboxStore();

      // Act
      const error = await rejectionOf(
        store.transactWrite([
          put('X'),
          { Delete: { TableName: 't', Key: { pk: 'A', sk: 'S' } } },
          put('A'),
        ]),
      );

      // Assert
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(/more than one operation on the same item/);
      expect(store.get({ pk: 'X', sk: 'S' })).toBeUndefined();
    });

    it('refuses more than 100 items', async () => {
      // Arrange
      const store = new MemoryOutboxStore();
      const items = Array.from({ length: 101 }, (_, i) => put(`P${i}`));

      // Act
      const error = await rejectionOf(store.transactWrite(items));

      // Assert
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toContain('101');
      expect(store.itemsWithPrefix('P')).toEqual([]);
    });

    it('accepts exactly 100 items', async () => {
      // Arrange
      const store = new MemoryOutboxStore();
      const items = Array.from({ length: 100 }, (_, i) => put(`P${i}`));

      // Act
      await store.transactWrite(items);

      // Assert
      expect(store.itemsWithPrefix('P')).toHaveLength(100);
    });

    it('refuses an empty transaction', async () => {
      // Act
      const error = await rejectionOf(new MemoryOutboxStore().transactWrite([]));

      // Assert
      expect(error).toBeInstanceOf(RangeError);
    });

    it('refuses a condition it does not understand with a message quoting it', async () => {
      // Arrange
      const store = new MemoryOutboxStore();
      const expression = 'balance >= :amount';

      // Act
      const error = await rejectionOf(
        store.transactWrite([
          {
            Put: {
              TableName: 't',
              Item: { pk: 'A', sk: 'S' },
              ConditionExpression: expression,
              ExpressionAttributeValues: { ':amount': 1 },
            },
          },
        ]),
      );

      // Assert
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain(`"${expression}"`);
      expect((error as Error).message).toMatch(/attribute_exists/);
      expect(store.get({ pk: 'A', sk: 'S' })).toBeUndefined();
    });

    it('refuses Update, which it does not model', async () => {
      // Act
      const error = await rejectionOf(
        new MemoryOutboxStore().transactWrite([
          {
            Update: {
              TableName: 't',
              Key: { pk: 'A', sk: 'S' },
              UpdateExpression: 'SET n = :n',
              ExpressionAttributeValues: { ':n': 1 },
            },
          },
        ]),
      );

      // Assert
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(/Put, Delete and ConditionCheck/);
    });

    it('stores a copy, so changing the written object later changes nothing', async () => {
      // Arrange
      const store = new MemoryOutboxStore();
      const item: Record<string, unknown> = { pk: 'A', sk: 'S', n: 1 };
      await store.transactWrite([{ Put: { TableName: 't', Item: item } }]);

      // Act
      item.n = 2;

      // Assert
      expect(store.get({ pk: 'A', sk: 'S' })).toMatchObject({ n: 1 });
    });

    it('throws the injected fault and writes nothing', async () => {
      // Arrange
      const outage = new Error('injected outage');
      const store = new MemoryOutboxStore({
        fault: (items) => (items.length > 1 ? outage : undefined),
      });

      // Act
      const error = await rejectionOf(store.transactWrite([put('A'), put('B')]));
      await store.transactWrite([put('C')]);

      // Assert
      expect(error).toBe(outage);
      expect(store.get({ pk: 'A', sk: 'S' })).toBeUndefined();
      expect(store.get({ pk: 'C', sk: 'S' })).toBeDefined();
    });
  });

  describe('listPending', () => {
    it('lists outbox items oldest first, and only outbox items', async () => {
      // Arrange
      const store = new MemoryOutboxStore();
      const [a, b, c] = eventIds(3) as [string, string, string];
      await store.transactWrite([
        outboxPut(a, T0 + 3_000),
        outboxPut(b, T0 + 1_000),
        outboxPut(c, T0 + 2_000),
        put('BUSINESS', { occurredAt: new Date(T0).toISOString() }),
      ]);

      // Act
      const pending = await store.listPending({
        olderThan: new Date(T0 + 10_000).toISOString(),
        limit: 10,
      });

      // Assert
      expect(pending.map((i) => i.eventId)).toEqual([b, c, a]);
    });

    it('leaves out items that occurred after olderThan', async () => {
      // Arrange
      const store = new MemoryOutboxStore();
      const [old, edge, fresh] = eventIds(3) as [string, string, string];
      await store.transactWrite([
        outboxPut(old, T0),
        outboxPut(edge, T0 + 5_000),
        outboxPut(fresh, T0 + 5_001),
      ]);

      // Act
      const pending = await store.listPending({
        olderThan: new Date(T0 + 5_000).toISOString(),
        limit: 10,
      });

      // Assert
      expect(pending.map((i) => i.eventId)).toEqual([old, edge]);
    });

    it('returns at most limit items, the oldest', async () => {
      // Arrange
      const store = new MemoryOutboxStore();
      const ids = eventIds(5);
      await store.transactWrite(ids.map((id, i) => outboxPut(id, T0 + (5 - i) * 1_000)));

      // Act
      const pending = await store.listPending({
        olderThan: new Date(T0 + 60_000).toISOString(),
        limit: 2,
      });

      // Assert
      expect(pending.map((i) => i.eventId)).toEqual([ids[4], ids[3]]);
    });

    it('leaves out outbox items without a pendingShard', async () => {
      // Arrange
      const store = new MemoryOutboxStore();
      const [id] = eventIds(1) as [string];
      const { pendingShard: _shard, ...relayedItem } = toOutboxItem(
        makeEvent({ eventId: id }),
        outbox,
      );
      await store.transactWrite([{ Put: { TableName: 't', Item: relayedItem } }]);

      // Act
      const pending = await store.listPending({
        olderThan: new Date(T0 + 60_000).toISOString(),
        limit: 10,
      });

      // Assert
      expect(pending).toEqual([]);
    });
  });

  describe('setAside', () => {
    it('takes items out of listPending by table key and keeps them whole; a missing one is no error', async () => {
      // Arrange
      const store = new MemoryOutboxStore();
      const [a, b] = eventIds(2) as [string, string];
      await store.transactWrite([outboxPut(a, T0), outboxPut(b, T0)]);

      // Act
      await store.setAside([outboxKey(a), { pk: 'OUTBOX#gone', sk: 'OUTBOX' }]);

      // Assert
      const pending = await store.listPending({ olderThan: new Date(T0).toISOString(), limit: 10 });
      expect(pending.map((i) => i.eventId)).toEqual([b]);
      const { pendingShard: _shard, ...rest } = toOutboxItem(
        makeEvent({ eventId: a, occurredAt: new Date(T0).toISOString() }),
        outbox,
      );
      expect(store.get(outboxKey(a))).toEqual(rest);
      expect(store.get({ pk: 'OUTBOX#gone', sk: 'OUTBOX' })).toBeUndefined();
    });
  });

  describe('deleteRelayed', () => {
    it('removes the relayed items and keeps the others; a missing one is no error', async () => {
      // Arrange
      const store = new MemoryOutboxStore();
      const [a, b, gone] = eventIds(3) as [string, string, string];
      await store.transactWrite([outboxPut(a, T0), outboxPut(b, T0)]);

      // Act
      await store.deleteRelayed([a, gone]);

      // Assert
      expect(store.get(outboxKey(a))).toBeUndefined();
      expect(store.get(outboxKey(b))).toBeDefined();
      const pending = await store.listPending({ olderThan: new Date(T0).toISOString(), limit: 10 });
      expect(pending.map((i) => i.eventId)).toEqual([b]);
    });
  });
  describe('tables', () => {
    const USERS = 'users';
    const OUTBOX = 'outbox';

    function userPut(id: string, extra: Record<string, unknown> = {}): TransactItems[number] {
      return {
        Put: {
          TableName: USERS,
          Item: { id, ...extra },
          ConditionExpression: 'attribute_not_exists(id)',
        },
      };
    }

    function outboxPutIn(table: string, eventId: string): TransactItems[number] {
      const item = toOutboxItem(
        makeEvent({ eventId, occurredAt: new Date(T0).toISOString() }),
        outbox,
      );
      return { Put: { TableName: table, Item: { ...item } } };
    }

    it('keeps the same key in two tables as two items, each written and checked in its own table', async () => {
      // Arrange
      const store = new MemoryOutboxStore();
      const inTable = (TableName: string, n: number): TransactItems[number] => ({
        Put: {
          TableName,
          Item: { pk: 'A', sk: 'S', n },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
      await store.transactWrite([inTable('one', 1)]);

      // Act: the key exists in "one", so the condition in "two" still holds.
      await store.transactWrite([inTable('two', 2)]);
      const again = await rejectionOf(
        store.transactWrite([inTable('two', 3), inTable('three', 3)]),
      );

      // Assert
      expect(store.get({ pk: 'A', sk: 'S' }, 'one')).toMatchObject({ n: 1 });
      expect(store.get({ pk: 'A', sk: 'S' }, 'two')).toMatchObject({ n: 2 });
      expect((again as TransactionCanceledError).reasons.map((r) => r.code)).toEqual([
        'ConditionalCheckFailed',
        'None',
      ]);
      expect(store.get({ pk: 'A', sk: 'S' }, 'three')).toBeUndefined();
    });

    it('takes one operation on each of two tables with the same key in one transaction', async () => {
      // Arrange
      const store = new MemoryOutboxStore();

      // Act
      await store.transactWrite([
        { Put: { TableName: 'one', Item: { pk: 'A', sk: 'S' } } },
        { Put: { TableName: 'two', Item: { pk: 'A', sk: 'S' } } },
      ]);

      // Assert
      expect(store.get({ pk: 'A', sk: 'S' }, 'one')).toBeDefined();
      expect(store.get({ pk: 'A', sk: 'S' }, 'two')).toBeDefined();
    });

    it('keys a table by the attributes keyAttributes names, and refuses an item without them', async () => {
      // Arrange
      const store = new MemoryOutboxStore({ keyAttributes: { [USERS]: ['id'] } });
      await store.transactWrite([userPut('u-1', { email: 'ada@example.com' })]);

      // Act
      const taken = await rejectionOf(store.transactWrite([userPut('u-1', { email: 'x' })]));
      const keyless = await rejectionOf(
        store.transactWrite([{ Put: { TableName: USERS, Item: { pk: 'u-2', sk: 'S' } } }]),
      );

      // Assert
      expect(store.get({ id: 'u-1' }, USERS)).toEqual({ id: 'u-1', email: 'ada@example.com' });
      expect((taken as TransactionCanceledError).reasons.map((r) => r.code)).toEqual([
        'ConditionalCheckFailed',
      ]);
      expect(keyless).toBeInstanceOf(TypeError);
      expect((keyless as Error).message).toBe(
        'items of table "users" need string or number key attributes id, got {}',
      );
    });

    it('refuses an action with an empty TableName', async () => {
      // Act
      const error = await rejectionOf(
        new MemoryOutboxStore().transactWrite([
          { Put: { TableName: '', Item: { pk: 'A', sk: 'S' } } },
        ]),
      );

      // Assert
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain('TableName');
    });

    it('asks for the table when it holds several and get or itemsWithPrefix names none', async () => {
      // Arrange
      const store = new MemoryOutboxStore({ keyAttributes: { [USERS]: ['id'] } });
      const [id] = eventIds(1) as [string];
      await store.transactWrite([userPut('u-1'), outboxPutIn(OUTBOX, id)]);

      // Act
      const error = (() => {
        try {
          store.get(outboxKey(id));
          return undefined;
        } catch (caught) {
          return caught;
        }
      })();

      // Assert
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toBe(
        'MemoryOutboxStore holds tables "users", "outbox": name one with get(key, tableName)',
      );
      expect(() => store.itemsWithPrefix('')).toThrow(/itemsWithPrefix\(prefix, tableName\)/);
      expect(store.get(outboxKey(id), OUTBOX)).toMatchObject({ eventId: id });
      expect(store.itemsWithPrefix('u-', USERS)).toEqual([{ id: 'u-1' }]);
    });

    it("lists, deletes and sets aside in the outbox table only, never another table's items", async () => {
      // Arrange: a copy of an outbox item in the business table, pendingShard and all.
      const store = new MemoryOutboxStore({ outboxTableName: OUTBOX });
      const [relayed, setAside, kept] = eventIds(3) as [string, string, string];
      await store.transactWrite([
        outboxPutIn(OUTBOX, relayed),
        outboxPutIn(OUTBOX, setAside),
        outboxPutIn(OUTBOX, kept),
        outboxPutIn('business', relayed),
        outboxPutIn('business', setAside),
      ]);
      const olderThan = new Date(T0).toISOString();
      const listed = await store.listPending({ olderThan, limit: 10 });

      // Act
      await store.deleteRelayed([relayed]);
      await store.setAside([outboxKey(setAside)]);

      // Assert
      expect(listed.map((i) => i.eventId).sort()).toEqual([relayed, setAside, kept].sort());
      const pending = await store.listPending({ olderThan, limit: 10 });
      expect(pending.map((i) => i.eventId)).toEqual([kept]);
      expect(store.get(outboxKey(relayed), OUTBOX)).toBeUndefined();
      expect(store.get(outboxKey(relayed), 'business')).toHaveProperty('pendingShard');
      expect(store.get(outboxKey(setAside), OUTBOX)).not.toHaveProperty('pendingShard');
      expect(store.get(outboxKey(setAside), 'business')).toHaveProperty('pendingShard');
    });

    it('asks for outboxTableName when it holds several tables and none is named', async () => {
      // Arrange
      const store = new MemoryOutboxStore({ keyAttributes: { [USERS]: ['id'] } });
      const [id] = eventIds(1) as [string];
      await store.transactWrite([userPut('u-1'), outboxPutIn(OUTBOX, id)]);

      // Act
      const error = await rejectionOf(
        store.listPending({ olderThan: new Date(T0).toISOString(), limit: 10 }),
      );

      // Assert
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain('the outboxTableName option');
    });

    it('holds no table until a transaction commits, so a cancelled one leaves none behind', async () => {
      // Arrange
      const store = new MemoryOutboxStore({ keyAttributes: { [USERS]: ['id'] } });
      await store.transactWrite([userPut('u-1')]);
      const [id] = eventIds(1) as [string];

      // Act: cancelled by the taken id, so the outbox table is never created.
      await rejectionOf(store.transactWrite([userPut('u-1'), outboxPutIn(OUTBOX, id)]));

      // Assert: one table still, so get needs no table name.
      expect(store.get({ id: 'u-1' })).toEqual({ id: 'u-1' });
    });
  });
});
