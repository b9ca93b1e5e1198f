import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UserRegistered, usersOutbox } from '../../examples/signup/notifications.ts';
import { defineOutbox } from '../../lambdas/outbox/defineOutbox.ts';
import { PayloadValidationError } from '../../lambdas/outbox/errors.ts';
import {
  documentItemBytes,
  MAX_ITEM_BYTES,
  MAX_TRANSACT_ITEMS,
  MAX_TRANSACTION_BYTES,
  transactItemBytes,
} from '../../lambdas/outbox/itemSize.ts';
import { MessageCharacterError, TransactionLimitError } from '../../lambdas/outbox/limitErrors.ts';
import { MemoryOutboxStore } from '../../lambdas/outbox/MemoryOutboxStore.ts';
import { outboxKey, toOutboxItem } from '../../lambdas/outbox/outboxItem.ts';
import {
  outboxTransactItem,
  transactWriteWithOutbox,
  validateTransactItems,
} from '../../lambdas/outbox/outboxTransactItem.ts';
import { toOutgoingMessage } from '../../lambdas/outbox/relayEvents.ts';
import type { TransactItems, TransactWriter } from '../../lambdas/ports.ts';
import { MemoryQueue } from '../../lambdas/queue/MemoryQueue.ts';
import { MAX_MESSAGE_BYTES } from '../../lambdas/queue/types.ts';
import { EVENT_ID, fakeClock, rejectionOf, T0, thrownBy } from '../helpers/events.ts';

const TABLE = 'tidings';
const USER_ID = '5b0f7a4e-2c1d-4e8f-9a3b-000000000001';

/** An outbox whose payload is free text, to build events of any size. */
const notes = defineOutbox({
  name: 'notes',
  schema: z.object({ text: z.string() }),
  clock: fakeClock(),
});

/** A writer that records what it was asked to write. */
function recordingWriter(): TransactWriter & {
  calls: { items: TransactItems; options: unknown }[];
} {
  const calls: { items: TransactItems; options: unknown }[] = [];
  return {
    calls,
    async transactWrite(items, options) {
      calls.push({ items, options });
    },
  };
}

function put(pk: string, extra: Record<string, unknown> = {}): TransactItems[number] {
  return { Put: { TableName: TABLE, Item: { pk, sk: 'S', ...extra } } };
}

describe('outboxTransactItem', () => {
  it('returns a conditional Put of the outbox item and the staged event', () => {
    // Arrange
    const outbox = defineOutbox({
      name: 'users',
      schema: UserRegistered,
      clock: fakeClock(),
    });

    // Act
    const entry = outboxTransactItem({
      tableName: TABLE,
      outbox,
      eventType: 'user.registered',
      payload: { userId: USER_ID, email: 'ada@example.com' },
      stage: { eventId: EVENT_ID, correlationId: 'req-1' },
      retentionSeconds: 60,
    });

    // Assert
    const event = {
      eventId: EVENT_ID,
      eventType: 'user.registered',
      payload: { userId: USER_ID, email: 'ada@example.com' },
      occurredAt: new Date(T0).toISOString(),
      correlationId: 'req-1',
    };
    expect(entry.event).toEqual(event);
    expect(entry.item).toEqual({
      Put: {
        TableName: TABLE,
        Item: { ...toOutboxItem(event, outbox, 60) },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    });
    expect(entry.outboxItem.expiresAt).toBe(T0 / 1000 + 60);
  });

  it('validates the payload against the outbox schema', () => {
    // Act
    const error = thrownBy(() =>
      outboxTransactItem({
        tableName: TABLE,
        outbox: usersOutbox,
        eventType: 'user.registered',
        payload: { userId: 'nope', email: 'ada@example.com' },
      }),
    );

    // Assert
    expect(error).toBeInstanceOf(PayloadValidationError);
    expect((error as PayloadValidationError).issues.map((i) => i.path)).toEqual(['userId']);
  });

  it('refuses an outbox item over 400 KB, naming the limit and the size', () => {
    // Act
    const error = thrownBy(() =>
      outboxTransactItem({
        tableName: TABLE,
        outbox: notes,
        eventType: 'note.added',
        payload: { text: 'x'.repeat(MAX_ITEM_BYTES) },
        stage: { eventId: EVENT_ID },
      }),
    );

    // Assert
    expect(error).toBeInstanceOf(TransactionLimitError);
    const limit = error as TransactionLimitError;
    expect(limit).toMatchObject({ limit: 'itemBytes', max: MAX_ITEM_BYTES, permanent: true });
    expect(limit.actual).toBeGreaterThan(MAX_ITEM_BYTES);
    expect(limit.message).toContain(`${limit.actual} bytes`);
    expect(limit.message).toContain(EVENT_ID);
  });

  it('refuses an event whose relayed message would be over the SQS limit though its item fits', () => {
    // Arrange: each control character is 1 byte in DynamoDB but 6 (`\u0001`) in the JSON body.
    const text = '\u0001'.repeat(200_000);

    // Act
    const error = thrownBy(() =>
      outboxTransactItem({
        tableName: TABLE,
        outbox: notes,
        eventType: 'note.added',
        payload: { text },
      }),
    );

    // Assert
    expect(error).toBeInstanceOf(TransactionLimitError);
    const limit = error as TransactionLimitError;
    expect(limit).toMatchObject({ limit: 'messageBytes', max: MAX_MESSAGE_BYTES });
    expect(limit.actual).toBeGreaterThan(MAX_MESSAGE_BYTES);
    expect(limit.message).toContain(`${limit.actual} bytes`);
  });

  it('refuses a payload holding a character SQS refuses in a message, naming the field and code point', () => {
    // Act
    const error = thrownBy(() =>
      outboxTransactItem({
        tableName: TABLE,
        outbox: notes,
        eventType: 'note.added',
        payload: { text: 'Ada\uFFFE' },
        stage: { eventId: EVENT_ID },
      }),
    );

    // Assert
    expect(error).toBeInstanceOf(MessageCharacterError);
    expect(error).toMatchObject({ path: 'payload.text', codePoint: 0xfffe, index: 3 });
    expect((error as MessageCharacterError).permanent).toBe(true);
    expect((error as Error).message).toBe(
      `payload.text holds U+FFFE at index 3, which SQS refuses in a message: relayed message of event ${EVENT_ID}`,
    );
  });

  it('refuses a control character in metadata sent as a message attribute', () => {
    // Act
    const error = thrownBy(() =>
      outboxTransactItem({
        tableName: TABLE,
        outbox: notes,
        eventType: 'note.added',
        payload: { text: 'hi' },
        stage: { correlationId: 'req\u0007' },
      }),
    );

    // Assert
    expect(error).toBeInstanceOf(MessageCharacterError);
    expect(error).toMatchObject({ path: 'correlationId', codePoint: 0x7, index: 3 });
  });

  it('accepts control characters and lone surrogates in a payload, whose relayed message a queue checking like SQS takes', async () => {
    // Act
    const entry = outboxTransactItem({
      tableName: TABLE,
      outbox: notes,
      eventType: 'note.added',
      payload: { text: 'tab\u0001bell\u0007half\uD83D' },
    });
    const message = toOutgoingMessage({ event: entry.event, outbox: notes.name }, false);
    const sent = await new MemoryQueue({ name: 'notes-queue' }).sendBatch([message]);

    // Assert
    expect(entry.item.Put?.Item?.payload).toEqual({ text: 'tab\u0001bell\u0007half\uD83D' });
    expect(sent.failed).toEqual([]);
  });

  it('accepts an event just under both limits', () => {
    // Act
    const entry = outboxTransactItem({
      tableName: TABLE,
      outbox: notes,
      eventType: 'note.added',
      payload: { text: 'x'.repeat(MAX_ITEM_BYTES - 1_000) },
    });

    // Assert
    expect(entry.item.Put?.Item?.payload).toEqual({ text: 'x'.repeat(MAX_ITEM_BYTES - 1_000) });
  });
});

describe('transactWriteWithOutbox', () => {
  const entry = () =>
    outboxTransactItem({
      tableName: TABLE,
      outbox: notes,
      eventType: 'note.added',
      payload: { text: 'hi' },
      stage: { eventId: EVENT_ID },
    });

  it('writes the caller items then the outbox item in one call, with the client request token', async () => {
    // Arrange
    const writer = recordingWriter();
    const outbox = entry();

    // Act
    const event = await transactWriteWithOutbox(writer, [put('A')], outbox, {
      clientRequestToken: 'token-1',
    });

    // Assert
    expect(event).toBe(outbox.event);
    expect(writer.calls).toEqual([
      { items: [put('A'), outbox.item], options: { clientRequestToken: 'token-1' } },
    ]);
  });

  it('commits business items and event together on a real transaction writer', async () => {
    // Arrange
    const store = new MemoryOutboxStore();

    // Act
    await transactWriteWithOutbox(store, [put('A', { n: 1 })], entry());

    // Assert
    expect(store.get({ pk: 'A', sk: 'S' })).toEqual({ pk: 'A', sk: 'S', n: 1 });
    expect(store.get(outboxKey(EVENT_ID))?.payload).toEqual({ text: 'hi' });
  });

  it('refuses more than 100 items in all before calling the writer', async () => {
    // Arrange
    const writer = recordingWriter();
    const items = Array.from({ length: MAX_TRANSACT_ITEMS }, (_, i) => put(`P${i}`));

    // Act
    const error = await rejectionOf(transactWriteWithOutbox(writer, items, entry()));

    // Assert
    expect(error).toBeInstanceOf(TransactionLimitError);
    expect(error).toMatchObject({ limit: 'items', actual: 101, max: 100 });
    expect((error as Error).message).toContain('101 items');
    expect(writer.calls).toEqual([]);
  });

  it('refuses a transaction over 4 MB though every item fits, before calling the writer', async () => {
    // Arrange: eleven items of ~390 KB each.
    const writer = recordingWriter();
    const items = Array.from({ length: 11 }, (_, i) => put(`P${i}`, { blob: 'x'.repeat(390_000) }));

    // Act
    const error = await rejectionOf(transactWriteWithOutbox(writer, items, entry()));

    // Assert
    expect(error).toBeInstanceOf(TransactionLimitError);
    const limit = error as TransactionLimitError;
    expect(limit).toMatchObject({ limit: 'transactionBytes', max: MAX_TRANSACTION_BYTES });
    expect(limit.actual).toBeGreaterThan(MAX_TRANSACTION_BYTES);
    expect(limit.message).toContain(`${limit.actual} bytes`);
    expect(writer.calls).toEqual([]);
  });

  it("refuses a caller's item over 400 KB, naming its position", async () => {
    // Arrange
    const writer = recordingWriter();
    const items = [put('A'), put('B', { blob: 'x'.repeat(MAX_ITEM_BYTES) })];

    // Act
    const error = await rejectionOf(transactWriteWithOutbox(writer, items, entry()));

    // Assert
    expect(error).toMatchObject({ limit: 'itemBytes', subject: 'item 1', max: MAX_ITEM_BYTES });
    expect(writer.calls).toEqual([]);
  });
});

describe('validateTransactItems', () => {
  it('accepts exactly 100 small items', () => {
    // Arrange
    const items = Array.from({ length: MAX_TRANSACT_ITEMS }, (_, i) => put(`P${i}`));

    // Act + Assert
    expect(() => validateTransactItems(items)).not.toThrow();
  });
});

describe('documentItemBytes', () => {
  it('counts names and strings in UTF-8 bytes', () => {
    expect(documentItemBytes({ a: 'abc' })).toBe(4);
    expect(documentItemBytes({ é: 'ü' })).toBe(4);
  });

  it('counts booleans and nulls as 1 byte and skips undefined', () => {
    expect(documentItemBytes({ b: true, z: null, u: undefined })).toBe(4);
  });

  it('counts a number as about one byte per two significant digits plus one, rounded up', () => {
    // 12300 has 3 significant digits: AWS's rule gives 3 bytes; the bound allows one more for
    // digit alignment.
    expect(documentItemBytes({ n: 12300 })).toBe(1 + 3);
    expect(documentItemBytes({ n: 0.5 })).toBe(1 + 2);
    expect(documentItemBytes({ n: 1234567890 })).toBe(1 + 6);
  });

  it('adds 3 bytes per map or list and 1 per element', () => {
    expect(documentItemBytes({ m: { x: 'ab' } })).toBe(1 + 3 + (1 + 1 + 2));
    expect(documentItemBytes({ l: ['ab', 1] })).toBe(1 + 3 + (1 + 2) + (1 + 2));
    expect(documentItemBytes({ m: {} })).toBe(1 + 3);
  });

  it('counts sets as the sum of their elements and binaries by length', () => {
    expect(documentItemBytes({ s: new Set(['ab', 'c']) })).toBe(1 + 3);
    expect(documentItemBytes({ b: new Uint8Array(5) })).toBe(1 + 5);
  });

  it('refuses values DynamoDB cannot store, naming the attribute', () => {
    expect(() => documentItemBytes({ m: { f: () => 1 } })).toThrow(
      'attribute "m.f" holds a function',
    );
  });
});

describe('transactItemBytes', () => {
  it('counts the key and expression values of an update', () => {
    // Act
    const bytes = transactItemBytes({
      Update: {
        TableName: TABLE,
        Key: { pk: 'A', sk: 'S' },
        UpdateExpression: 'SET #n = :n',
        ExpressionAttributeNames: { '#n': 'n' },
        ExpressionAttributeValues: { ':n': 'abcd' },
      },
    });

    // Assert
    expect(bytes).toBe(2 + 1 + (2 + 1) + (2 + 4));
  });
});
