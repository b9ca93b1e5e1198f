/**
 * The bad-input catalogue: one test per row of docs/bad-input.md, each driving the real
 * handler with what a user (or a buggy service) would send and asserting the documented
 * outcome: delivered, on a dead-letter queue with its reason attributes, or refused at the
 * producer with a typed error and status. The last test keeps the doc and these tests in step.
 */
import { readFileSync } from 'node:fs';
import { MessageRejected, SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { EndpointDisabledException, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { HttpProducerResult } from '../../examples/signup/http/producerResponse.ts';
import { USER_REGISTERED, usersOutbox } from '../../examples/signup/notifications.ts';
import {
  DeadLetterAttribute,
  outboxItemDeadLetters,
  streamRecordDeadLetters,
} from '../../lambdas/aws/deadLetter.ts';
import { MissingSequenceNumberError } from '../../lambdas/aws/relayErrors.ts';
import { uuidv5 } from '../../lambdas/events/ids.ts';
import type { IntegrationEvent } from '../../lambdas/events/types.ts';
import { MemoryLedger } from '../../lambdas/ledger/MemoryLedger.ts';
import { NotificationRouter } from '../../lambdas/notifications/NotificationRouter.ts';
import { processNotificationMessage } from '../../lambdas/notifications/processNotificationMessage.ts';
import { RecordingSenders } from '../../lambdas/notifications/RecordingSenders.ts';
import type { Notification } from '../../lambdas/notifications/types.ts';
import { defineOutbox } from '../../lambdas/outbox/defineOutbox.ts';
import { defineQueue } from '../../lambdas/outbox/defineQueue.ts';
import { PayloadValidationError } from '../../lambdas/outbox/errors.ts';
import { TransactionLimitError } from '../../lambdas/outbox/limitErrors.ts';
import { MemoryOutboxStore } from '../../lambdas/outbox/MemoryOutboxStore.ts';
import { outboxKey, toOutboxItem } from '../../lambdas/outbox/outboxItem.ts';
import {
  outboxTransactItem,
  transactWriteWithOutbox,
} from '../../lambdas/outbox/outboxTransactItem.ts';
import { toOutgoingMessage } from '../../lambdas/outbox/relayEvents.ts';
import type { QueueSender, TransactItems } from '../../lambdas/ports.ts';
import { MemoryQueue } from '../../lambdas/queue/MemoryQueue.ts';
import { MAX_MESSAGE_BYTES, messageBytes } from '../../lambdas/queue/types.ts';
import { createRelayHandler } from '../../lambdas/relay.ts';
import { composeSenders } from '../../lambdas/senders/composeSenders.ts';
import { SenderConfigurationError } from '../../lambdas/senders/errors.ts';
import { SesEmailSender } from '../../lambdas/senders/SesEmailSender.ts';
import { SnsPushSender } from '../../lambdas/senders/SnsPushSender.ts';
import { WebhookSender } from '../../lambdas/senders/WebhookSender.ts';
import { createSweeperHandler } from '../../lambdas/sweeper.ts';
import { makeFunctionUrlEvent } from '../helpers/apiEvents.ts';
import {
  consumerRig,
  onlyMessage,
  producerRig,
  relayedRecord,
  relayRig,
  signupPayload,
} from '../helpers/badInput.ts';
import { eventIds, makeEvent, rejectionOf, T0, thrownBy } from '../helpers/events.ts';
import { makeStreamEvent, outboxInsertRecord, streamRecordOf } from '../helpers/relayRecords.ts';
import { makeSqsEvent, makeSqsRecord } from '../helpers/sqs.ts';

const ses = mockClient(SESv2Client);
const sns = mockClient(SNSClient);

afterEach(() => {
  ses.reset();
  sns.reset();
  vi.restoreAllMocks();
});

const reasonOf = (letter: { attributes: Readonly<Record<string, string>> }) =>
  letter.attributes[DeadLetterAttribute.REASON];
const errorOf = (letter: { attributes: Readonly<Record<string, string>> }) =>
  letter.attributes[DeadLetterAttribute.ERROR];

function signupEvent(eventId: string, payload: unknown = signupPayload()): IntegrationEvent {
  return makeEvent({ eventId, payload });
}

function routerOf(mapper: (event: IntegrationEvent) => readonly Notification[]) {
  return new NotificationRouter().register(USER_REGISTERED, mapper).freeze();
}

const bodyOf = (result: unknown) => JSON.parse((result as HttpProducerResult).body);

/** An event of outbox `blobs` whose relayed message is exactly `bytes` long; its item stays small. */
function eventWithMessageBytes(eventId: string, bytes: number): IntegrationEvent {
  // Control characters take 1 byte in the item but 6 in the JSON body ("\u0001").
  const escaped = '\u0001'.repeat(170_000);
  const sized = (pad: number) =>
    makeEvent({ eventId, payload: { blob: escaped + 'a'.repeat(pad) } });
  const base = messageBytes(toOutgoingMessage({ event: sized(0), outbox: 'blobs' }, false));
  return sized(bytes - base);
}

describe('bad input at the producer', () => {
  it('P1 a body that is not JSON is refused with 400 MalformedRequestError', async () => {
    // Arrange
    const { produce, store, refusals } = producerRig();

    // Act
    const result = await produce(makeFunctionUrlEvent('{"email": "ada@example.com"'));

    // Assert
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).error).toBe('malformed request: body is not JSON (27 characters)');
    expect(refusals()).toEqual([
      'MalformedRequestError: malformed request: body is not JSON (27 characters)',
    ]);
    expect(store.itemsWithPrefix('')).toEqual([]);
  });

  it('P2 an empty body is refused with 400 MalformedRequestError', async () => {
    // Arrange
    const { produce, refusals } = producerRig();

    // Act
    const result = await produce(makeFunctionUrlEvent(null));

    // Assert
    expect(result.statusCode).toBe(400);
    expect(refusals()).toEqual([
      'MalformedRequestError: malformed request: body is empty: expected a JSON object',
    ]);
  });

  it('P3 a GET is refused with 405 MalformedRequestError and allow POST', async () => {
    // Arrange
    const { produce, refusals } = producerRig();

    // Act
    const result = (await produce(
      makeFunctionUrlEvent(null, { method: 'GET' }),
    )) as HttpProducerResult;

    // Assert
    expect(result.statusCode).toBe(405);
    expect(result.headers.allow).toBe('POST');
    expect(refusals()).toEqual([
      expect.stringContaining(
        'MalformedRequestError: malformed request: method must be POST, got GET',
      ),
    ]);
  });

  it('P4 an invalid email is refused with 400 InvalidRegistrationError naming the field', async () => {
    // Arrange
    const { produce, store, refusals } = producerRig();

    // Act
    const result = await produce(makeFunctionUrlEvent({ email: 'ada@@example' }));

    // Assert
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).issues).toEqual([{ path: 'email', message: expect.any(String) }]);
    expect(refusals()).toEqual([
      expect.stringMatching(/^InvalidRegistrationError: invalid registration: email: /),
    ]);
    expect(store.itemsWithPrefix('OUTBOX#')).toEqual([]);
  });

  it('P5 JSON that is not an object is refused with 400 InvalidRegistrationError at the root', async () => {
    // Arrange
    const { produce, refusals } = producerRig();

    // Act
    const result = await produce(makeFunctionUrlEvent('["ada@example.com"]'));

    // Assert
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).issues).toEqual([{ path: '(root)', message: expect.any(String) }]);
    expect(refusals()).toEqual([expect.stringMatching(/^InvalidRegistrationError: /)]);
  });

  it('P6 an oversized field (a 1 MB name) is refused with 400 InvalidRegistrationError', async () => {
    // Arrange
    const { produce, store, refusals } = producerRig();

    // Act
    const result = await produce(
      makeFunctionUrlEvent({ email: 'ada@example.com', name: 'A'.repeat(1_000_000) }),
    );

    // Assert
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).issues).toEqual([{ path: 'name', message: expect.any(String) }]);
    expect(refusals()).toEqual([
      expect.stringMatching(/^InvalidRegistrationError: invalid registration: name: /),
    ]);
    expect(store.itemsWithPrefix('')).toEqual([]);
  });

  it('P7 a duplicate signup is refused with 409 UserAlreadyExistsError and stages no second event', async () => {
    // Arrange
    const { produce, store, refusals } = producerRig();
    const first = await produce(makeFunctionUrlEvent({ email: 'ada@example.com' }));

    // Act
    const second = await produce(makeFunctionUrlEvent({ email: '  ADA@example.com ' }));

    // Assert
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(409);
    expect(bodyOf(second)).toEqual({ error: 'this email address is already registered' });
    expect(refusals()).toEqual([
      'UserAlreadyExistsError: a user with email "a***@example.com" already exists',
    ]);
    expect(store.itemsWithPrefix('OUTBOX#')).toHaveLength(1);
    expect(store.itemsWithPrefix('USER#')).toHaveLength(1);
  });

  it('P8 unknown extra fields are accepted and left out of the staged event', async () => {
    // Arrange
    const { produce, store } = producerRig();

    // Act
    const result = await produce(
      makeFunctionUrlEvent({ email: 'ada@example.com', name: 'Ada', isAdmin: true }),
    );

    // Assert
    expect(result.statusCode).toBe(201);
    const [item] = store.itemsWithPrefix('OUTBOX#');
    expect(Object.keys(item?.payload as object).sort()).toEqual(['email', 'name', 'userId']);
  });

  it('P9 a name with a noncharacter is refused with 400 MessageCharacterError naming the field', async () => {
    // Arrange
    const { produce, store, refusals } = producerRig();

    // Act
    const result = await produce(
      makeFunctionUrlEvent({ email: 'ada@example.com', name: 'Ada\uFFFE' }),
    );

    // Assert
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({
      error: expect.stringMatching(
        /^payload\.name holds U\+FFFE at index 3, which SQS refuses in a message: relayed message of event [0-9a-f-]{36}$/,
      ),
      issues: [
        { path: 'name', message: 'holds U+FFFE at index 3, which SQS refuses in a message' },
      ],
    });
    expect(refusals()).toEqual([expect.stringMatching(/^MessageCharacterError: payload\.name /)]);
    expect(store.itemsWithPrefix('')).toEqual([]);
  });
});

describe('bad input at the producer SDK helper', () => {
  it('S1 a payload its outbox schema rejects throws PayloadValidationError before any write', () => {
    // Act
    const error = thrownBy(() =>
      outboxTransactItem({
        tableName: 'tidings',
        outbox: usersOutbox,
        eventType: USER_REGISTERED,
        payload: { userId: 'not-a-uuid', email: 'ada@example.com' },
      }),
    );

    // Assert
    expect(error).toBeInstanceOf(PayloadValidationError);
    expect((error as Error).message).toContain('payload rejected by outbox "users": userId:');
    expect((error as PayloadValidationError).permanent).toBe(true);
  });

  it('S2 an outbox item over 400 KB throws TransactionLimitError itemBytes', () => {
    // Arrange
    const anything = defineOutbox({
      name: 'blobs',
      schema: {
        '~standard': { version: 1, vendor: 'test', validate: (value: unknown) => ({ value }) },
      },
    });

    // Act
    const error = thrownBy(() =>
      outboxTransactItem({
        tableName: 'tidings',
        outbox: anything,
        eventType: 'blob.stored',
        payload: 'x'.repeat(420_000),
      }),
    );

    // Assert
    expect(error).toBeInstanceOf(TransactionLimitError);
    expect(error).toMatchObject({ limit: 'itemBytes', max: 400 * 1024 });
  });

  it('S3 a payload whose relayed message would pass 1 MiB throws TransactionLimitError messageBytes', () => {
    // Arrange: 200 000 control characters are 200 KB in the item but 1.2 MB once JSON-escaped.
    const anything = defineOutbox({
      name: 'blobs',
      schema: {
        '~standard': { version: 1, vendor: 'test', validate: (value: unknown) => ({ value }) },
      },
    });

    // Act
    const error = thrownBy(() =>
      outboxTransactItem({
        tableName: 'tidings',
        outbox: anything,
        eventType: 'blob.stored',
        payload: '\u0001'.repeat(200_000),
      }),
    );

    // Assert
    expect(error).toBeInstanceOf(TransactionLimitError);
    expect(error).toMatchObject({ limit: 'messageBytes', max: MAX_MESSAGE_BYTES });
    expect((error as Error).message).toContain("over SQS's message limit (1 MiB)");
  });

  it('S4 a transaction of more than 100 actions throws TransactionLimitError items and writes nothing', async () => {
    // Arrange
    const store = new MemoryOutboxStore();
    const items: TransactItems = Array.from({ length: 100 }, (_, i) => ({
      Put: { TableName: 'tidings', Item: { pk: `ORDER#${i}`, sk: 'ORDER' } },
    }));
    const entry = outboxTransactItem({
      tableName: 'tidings',
      outbox: usersOutbox,
      eventType: USER_REGISTERED,
      payload: signupPayload(),
    });

    // Act
    const error = await rejectionOf(transactWriteWithOutbox(store, items, entry));

    // Assert
    expect(error).toBeInstanceOf(TransactionLimitError);
    expect(error).toMatchObject({ limit: 'items', actual: 101, max: 100 });
    expect(store.itemsWithPrefix('')).toEqual([]);
  });

  it('S5 an ordering key SQS would refuse as a MessageGroupId throws TypeError before any item exists', () => {
    // Act
    const errors = ['', 'k'.repeat(129), 'tenant 1', 'tenant-é'].map((orderingKey) =>
      thrownBy(() =>
        outboxTransactItem({
          tableName: 'tidings',
          outbox: usersOutbox,
          eventType: USER_REGISTERED,
          payload: signupPayload(),
          stage: { orderingKey },
        }),
      ),
    );

    // Assert
    for (const error of errors) {
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(
        /^outbox "users": orderingKey must be 1-128 printable ASCII characters without spaces \(an SQS MessageGroupId\), got /,
      );
    }
  });

  it('S6 an outbox name its CloudEvents source could not carry throws TypeError naming it', () => {
    // Act
    const errors = ['billing events', 'facturación', '100%'].map((name) =>
      thrownBy(() => defineOutbox({ name, schema: usersOutbox.schema })),
    );

    // Assert
    expect(errors.map((error) => (error as Error).message)).toEqual([
      'outbox name must be 1-80 letters, digits, "-", "_" or "." (not "." or ".." alone), so its CloudEvents source tidings/<name> is a URI reference: "billing events"',
      'outbox name must be 1-80 letters, digits, "-", "_" or "." (not "." or ".." alone), so its CloudEvents source tidings/<name> is a URI reference: "facturación"',
      'outbox name must be 1-80 letters, digits, "-", "_" or "." (not "." or ".." alone), so its CloudEvents source tidings/<name> is a URI reference: "100%"',
    ]);
    for (const error of errors) expect(error).toBeInstanceOf(TypeError);
  });
});

describe('bad input at the relay', () => {
  /** The stream relay and the sweeper over one table and one relay DLQ, as deployed. */
  async function backstopRig(items: readonly object[]) {
    const store = new MemoryOutboxStore();
    for (const item of items) {
      await store.transactWrite([{ Put: { TableName: 'tidings', Item: { ...item } } }]);
    }
    const queue = new MemoryQueue({ name: 'tidings-events' });
    const dlq = new MemoryQueue({ name: 'tidings-relay-dlq' });
    const relay = createRelayHandler({
      queue,
      deadLetters: streamRecordDeadLetters(dlq),
      outbox: store,
      outboxes: [usersOutbox],
      relay: { sleep: async () => {} },
    });
    const sweep = createSweeperHandler({
      outbox: store,
      queue,
      outboxes: [usersOutbox],
      deadLetters: outboxItemDeadLetters(dlq),
      minAgeMs: 0,
      relay: { sleep: async () => {} },
    });
    return { store, queue, dlq, relay, sweep };
  }

  it('R1 an outbox item whose occurredAt is not a date is dead-lettered as CorruptOutboxItemError', async () => {
    // Arrange
    const { relay, dlq, deleted } = relayRig();
    const [id] = eventIds(1) as [string];
    const item = { ...toOutboxItem(signupEvent(id), usersOutbox), occurredAt: 'yesterday' };

    // Act
    const response = await relay(
      makeStreamEvent([streamRecordOf(item as Record<string, unknown>)]),
    );

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    const letter = onlyMessage(dlq);
    expect(errorOf(letter)).toBe('CorruptOutboxItemError');
    expect(reasonOf(letter)).toBe(
      `CorruptOutboxItemError: corrupt outbox item OUTBOX#${id}: occurredAt is not a date: "yesterday"`,
    );
    expect(letter.attributes[DeadLetterAttribute.SOURCE]).toBe('relay');
    expect(JSON.parse(letter.body).newImage.occurredAt).toEqual({ S: 'yesterday' });
    expect(deleted).toEqual([id]);
  });

  it('R2 an outbox item whose eventId is not a UUID is dead-lettered once and kept in the table, set aside', async () => {
    // Arrange: its key is an event's, but not the one its eventId gives.
    const item = {
      ...toOutboxItem(signupEvent(eventIds(1)[0] as string), usersOutbox),
      pk: 'OUTBOX#42',
      eventId: '42',
    };
    const { store, dlq, relay, sweep } = await backstopRig([item]);

    // Act: the stream relay meets it, then the sweeper runs twice.
    await relay(makeStreamEvent([streamRecordOf(item as Record<string, unknown>)]));
    const swept = await sweep({});
    const sweptAgain = await sweep({});

    // Assert
    const letter = onlyMessage(dlq);
    expect(reasonOf(letter)).toBe(
      'CorruptOutboxItemError: corrupt outbox item OUTBOX#42: eventId is not a UUID: "42"',
    );
    expect(letter.attributes[DeadLetterAttribute.EVENT_ID]).toBeUndefined();
    expect(swept.unrelayable + sweptAgain.unrelayable).toBe(0);
    const kept = store.get({ pk: 'OUTBOX#42', sk: 'OUTBOX' });
    expect(kept).toMatchObject({ eventId: '42', payload: item.payload });
    expect(kept).not.toHaveProperty('pendingShard');
  });

  it('R3 an outbox item without a payload is dead-lettered as CorruptOutboxItemError', async () => {
    // Arrange
    const { relay, dlq } = relayRig();
    const [id] = eventIds(1) as [string];
    const { payload: _payload, ...item } = toOutboxItem(signupEvent(id), usersOutbox);

    // Act
    await relay(makeStreamEvent([streamRecordOf(item as Record<string, unknown>)]));

    // Assert
    expect(reasonOf(onlyMessage(dlq))).toBe(
      `CorruptOutboxItemError: corrupt outbox item OUTBOX#${id}: payload is missing`,
    );
  });

  it('R4 an attribute of the wrong DynamoDB type is dead-lettered as CorruptOutboxItemError', async () => {
    // Arrange
    const { relay, dlq } = relayRig();
    const [id] = eventIds(1) as [string];
    const item = { ...toOutboxItem(signupEvent(id), usersOutbox), eventType: 7 };

    // Act
    await relay(makeStreamEvent([streamRecordOf(item as Record<string, unknown>)]));

    // Assert
    expect(reasonOf(onlyMessage(dlq))).toBe(
      `CorruptOutboxItemError: corrupt outbox item OUTBOX#${id}: eventType must be a non-empty string, got 7`,
    );
  });

  it('R5 an INSERT of an item that is not an outbox item is passed over: nothing sent, nothing dead-lettered', async () => {
    // Arrange
    const { relay, queue, dlq } = relayRig();
    const user = streamRecordOf({
      pk: 'USER#1',
      sk: 'PROFILE',
      kind: 'user',
      email: 'ada@example.com',
    });
    const kindless = streamRecordOf({ pk: 'OUTBOX#x', sk: 'OUTBOX', payload: {} });

    // Act
    const response = await relay(makeStreamEvent([user, kindless]));

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    expect((queue as MemoryQueue).messages()).toEqual([]);
    expect(dlq.messages()).toEqual([]);
  });

  it('R6 a MODIFY or REMOVE of an outbox item is passed over', async () => {
    // Arrange
    const { relay, queue, dlq } = relayRig();
    const [id] = eventIds(1) as [string];
    const record = outboxInsertRecord(signupEvent(id));
    const modify = { ...record, eventName: 'MODIFY' as const };
    const remove = {
      ...record,
      eventName: 'REMOVE' as const,
      dynamodb: { ...record.dynamodb, NewImage: undefined },
    };

    // Act
    const response = await relay(makeStreamEvent([modify, remove]));

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    expect((queue as MemoryQueue).messages()).toEqual([]);
    expect(dlq.messages()).toEqual([]);
  });

  it('R7 a payload its outbox schema rejects, committed without the helper, is dead-lettered as PayloadValidationError', async () => {
    // Arrange
    const { relay, dlq } = relayRig();
    const [id] = eventIds(1) as [string];

    // Act
    await relay(
      makeStreamEvent([
        outboxInsertRecord(signupEvent(id, { userId: signupPayload().userId, email: 'nope' })),
      ]),
    );

    // Assert
    const letter = onlyMessage(dlq);
    expect(errorOf(letter)).toBe('PayloadValidationError');
    expect(reasonOf(letter)).toMatch(
      /^PayloadValidationError: "user\.registered" payload rejected by outbox "users": email: /,
    );
    expect(letter.attributes[DeadLetterAttribute.EVENT_ID]).toBe(id);
  });

  it('R8 an unknown event type with a valid payload is relayed by an outbox with one schema for every type', async () => {
    // Arrange: an outbox with one schema for every event type (the app's has a map: R17).
    const outbox = defineOutbox({
      name: 'users',
      schema: z.object({ userId: z.uuid(), email: z.email() }),
    });
    const { relay, queue, dlq } = relayRig({ outboxes: [outbox] });
    const [id] = eventIds(1) as [string];

    // Act
    await relay(
      makeStreamEvent([
        outboxInsertRecord(
          makeEvent({ eventId: id, eventType: 'user.deleted', payload: signupPayload() }),
        ),
      ]),
    );

    // Assert
    expect(onlyMessage(queue as MemoryQueue).attributes.eventType).toBe('user.deleted');
    expect(dlq.messages()).toEqual([]);
  });

  it('R9 a message of exactly 1 MiB is relayed', async () => {
    // Arrange
    const { relay, queue, dlq } = relayRig();
    const [id] = eventIds(1) as [string];
    const event = eventWithMessageBytes(id, MAX_MESSAGE_BYTES);

    // Act
    await relay(makeStreamEvent([outboxInsertRecord(event, { outbox: 'blobs' })]));

    // Assert
    const message = onlyMessage(queue as MemoryQueue);
    expect(messageBytes({ id, body: message.body, attributes: message.attributes })).toBe(
      MAX_MESSAGE_BYTES,
    );
    expect(dlq.messages()).toEqual([]);
  });

  it('R10 a message one byte over 1 MiB is dead-lettered as MessageRefused and its item kept, set aside', async () => {
    // Arrange
    const [id] = eventIds(1) as [string];
    const item = toOutboxItem(eventWithMessageBytes(id, MAX_MESSAGE_BYTES + 1), {
      name: 'blobs',
    });
    const { store, queue, dlq, relay, sweep } = await backstopRig([item]);

    // Act: the stream relay meets it; the sweeper runs after.
    const response = await relay(
      makeStreamEvent([streamRecordOf(item as unknown as Record<string, unknown>)]),
    );
    const swept = await sweep({});

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    expect(queue.messages()).toEqual([]);
    const letter = onlyMessage(dlq);
    expect(errorOf(letter)).toBe('MessageRefused');
    expect(reasonOf(letter)).toBe('message is 1048577 bytes, over the SQS limit of 1048576');
    expect(JSON.parse(letter.body).newImageOmitted).toContain('over the queue limit');
    // The letter could not hold the image, so the item stays, out of the sweeper's way.
    expect(swept.unrelayable).toBe(0);
    const kept = store.get(outboxKey(id));
    expect(kept).toMatchObject({ eventId: id, payload: item.payload });
    expect(kept).not.toHaveProperty('pendingShard');
  });

  it('R15 an oversized item the sweeper finds is dead-lettered once and kept in the table, set aside', async () => {
    // Arrange: the item of R10, which the stream relay never saw (an outage, a lost record).
    const [id] = eventIds(1) as [string];
    const item = toOutboxItem(eventWithMessageBytes(id, MAX_MESSAGE_BYTES + 1), {
      name: 'blobs',
    });
    const { store, dlq, sweep } = await backstopRig([item]);

    // Act
    const report = await sweep({});
    const again = await sweep({});

    // Assert: one letter, holding only the key, so the table keeps the item; nothing more.
    expect(report.unrelayable).toBe(1);
    const letter = onlyMessage(dlq);
    expect(reasonOf(letter)).toBe('message is 1048577 bytes, over the SQS limit of 1048576');
    expect(JSON.parse(letter.body)).toEqual({
      pk: `OUTBOX#${id}`,
      sk: 'OUTBOX',
      itemOmitted: 'over the queue limit',
    });
    const kept = store.get(outboxKey(id));
    expect(kept).toMatchObject({ eventId: id, payload: item.payload });
    expect(kept).not.toHaveProperty('pendingShard');
    expect(again).toEqual({ swept: 0, failed: 0, unrelayable: 0, oldestPendingAgeSeconds: 0 });
  });

  it('R11 a queue that refuses the whole call fails the records for a retry and dead-letters none', async () => {
    // Arrange
    const refusing: QueueSender = {
      fifo: false,
      sendBatch: async () => {
        throw Object.assign(new Error('not authorized'), {
          name: 'AccessDenied',
          $fault: 'client',
        });
      },
    };
    const { relay, dlq, deleted } = relayRig({ queue: refusing });
    const record = outboxInsertRecord(signupEvent(eventIds(1)[0] as string));

    // Act
    const response = await relay(makeStreamEvent([record]));

    // Assert
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: record.dynamodb?.SequenceNumber },
    ]);
    expect(dlq.messages()).toEqual([]);
    expect(deleted).toEqual([]);
  });

  it('R12 a relay DLQ that refuses the letter fails the record for a retry instead of dropping it', async () => {
    // Arrange
    const refusingDlq = new MemoryQueue({ name: 'tidings-relay-dlq' });
    vi.spyOn(refusingDlq, 'sendBatch').mockRejectedValue(new Error('throttled'));
    const { relay, deleted } = relayRig({ deadLetterQueue: refusingDlq });
    const [id] = eventIds(1) as [string];
    const record = streamRecordOf({
      ...toOutboxItem(signupEvent(id), usersOutbox),
      occurredAt: 'soon',
    });

    // Act
    const response = await relay(makeStreamEvent([record]));

    // Assert
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: record.dynamodb?.SequenceNumber },
    ]);
    expect(deleted).toEqual([]);
  });

  it('R13 a failing record without a sequence number fails the whole batch with MissingSequenceNumberError', async () => {
    // Arrange
    const refusingDlq = new MemoryQueue({ name: 'tidings-relay-dlq' });
    vi.spyOn(refusingDlq, 'sendBatch').mockRejectedValue(new Error('throttled'));
    const { relay } = relayRig({ deadLetterQueue: refusingDlq });
    const record = streamRecordOf({ pk: 'OUTBOX#x', sk: 'OUTBOX', kind: 'outbox' });
    const unnumbered = { ...record, dynamodb: { ...record.dynamodb, SequenceNumber: undefined } };

    // Act
    const error = await rejectionOf(relay(makeStreamEvent([unnumbered])));

    // Assert
    expect(error).toBeInstanceOf(MissingSequenceNumberError);
  });

  it('R14 an event without an ordering key on a FIFO queue is relayed in a group of its own', async () => {
    // Arrange
    const fifo = new MemoryQueue({ name: 'tidings-events.fifo' });
    const { relay } = relayRig({ queue: fifo });
    const [id] = eventIds(1) as [string];
    const { orderingKey: _key, ...event } = signupEvent(id);

    // Act
    await relay(makeStreamEvent([outboxInsertRecord(event)]));

    // Assert
    expect(onlyMessage(fifo)).toMatchObject({ groupId: id, deduplicationId: id });
  });

  it('R16 a noncharacter in an item written without the helper is dead-lettered as MessageRefused, the letter keeping it exactly', async () => {
    // Arrange: what P9 refuses at the producer, committed by a service that skipped the helper.
    const { relay, queue, dlq, deleted } = relayRig();
    const [id] = eventIds(1) as [string];
    const item = toOutboxItem(
      signupEvent(id, { ...signupPayload(), name: 'Ada\uFFFE' }),
      usersOutbox,
    );

    // Act
    const response = await relay(
      makeStreamEvent([streamRecordOf(item as unknown as Record<string, unknown>)]),
    );

    // Assert: SQS refused the event; the letter holds the item, the character escaped.
    expect(response.batchItemFailures).toEqual([]);
    expect((queue as MemoryQueue).messages()).toEqual([]);
    const letter = onlyMessage(dlq);
    expect(errorOf(letter)).toBe('MessageRefused');
    expect(reasonOf(letter)).toMatch(
      /^InvalidParameterValue: message body contains U\+FFFE at index \d+, which SQS refuses$/,
    );
    expect(letter.attributes[DeadLetterAttribute.EVENT_ID]).toBe(id);
    expect(JSON.parse(letter.body).newImage.payload.M.name).toEqual({ S: 'Ada\uFFFE' });
    expect(deleted).toEqual([id]);
  });

  it('R17 an event type its outbox schema map does not list is dead-lettered as UnknownEventTypeError', async () => {
    // Arrange: the outbox has a schema for user.registered only; a service committed
    // user.deleted without the helper, with a payload that fits the user.registered schema.
    const outbox = defineOutbox({
      name: 'users',
      schema: { [USER_REGISTERED]: z.object({ userId: z.uuid(), email: z.email() }) },
    });
    const { relay, queue, dlq, deleted } = relayRig({ outboxes: [outbox] });
    const [id] = eventIds(1) as [string];
    const event = makeEvent({ eventId: id, eventType: 'user.deleted', payload: signupPayload() });

    // Act
    const response = await relay(makeStreamEvent([outboxInsertRecord(event)]));

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    expect((queue as MemoryQueue).messages()).toEqual([]);
    const letter = onlyMessage(dlq);
    expect(errorOf(letter)).toBe('UnknownEventTypeError');
    expect(reasonOf(letter)).toBe(
      'UnknownEventTypeError: outbox "users" has no schema for event type "user.deleted"; it knows "user.registered"',
    );
    expect(letter.attributes[DeadLetterAttribute.EVENT_ID]).toBe(id);
    expect(deleted).toEqual([id]);
  });

  it('R18 an item naming an outbox a URI cannot carry, written without the helper, is relayed with its source percent-encoded', async () => {
    // Arrange: no outbox of that name is defined, so the relay passes the payload unchecked.
    const { relay, queue, dlq } = relayRig();
    const [id] = eventIds(1) as [string];

    // Act
    const response = await relay(
      makeStreamEvent([outboxInsertRecord(signupEvent(id), { outbox: 'facturación 100%' })]),
    );

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    expect(dlq.messages()).toEqual([]);
    const [message] = (queue as MemoryQueue).messages();
    expect(JSON.parse(message?.body ?? '{}').source).toBe('tidings/facturaci%C3%B3n%20100%25');
  });
});

describe('bad input at the consumer', () => {
  it('C1 a body that is not JSON is dead-lettered as InvalidEnvelopeError with the receive count and queue', async () => {
    // Arrange
    const { consume, dlq, senders } = consumerRig();
    const record = makeSqsRecord({
      body: 'welcome ada',
      attributes: { ApproximateReceiveCount: '2' },
    });

    // Act
    const response = await consume(makeSqsEvent([record]));

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    const letter = onlyMessage(dlq);
    expect(errorOf(letter)).toBe('InvalidEnvelopeError');
    expect(reasonOf(letter)).toBe(
      'InvalidEnvelopeError: invalid event envelope: body is not JSON: "welcome ada"',
    );
    expect(letter.attributes).toMatchObject({
      deadLetterSource: 'consumer',
      receiveCount: '2',
      sourceQueue: 'tidings-events',
    });
    expect(letter.body).toBe('welcome ada');
    expect(senders.sent).toEqual([]);
  });

  it('C2 JSON that is not a CloudEvents envelope is dead-lettered as InvalidEnvelopeError naming the fields', async () => {
    // Arrange
    const { consume, dlq } = consumerRig();

    // Act
    await consume(
      makeSqsEvent([makeSqsRecord({ body: JSON.stringify({ email: 'ada@example.com' }) })]),
    );

    // Assert
    const reason = reasonOf(onlyMessage(dlq));
    expect(reason).toMatch(/^InvalidEnvelopeError: invalid event envelope: /);
    for (const field of ['specversion', 'id', 'type', 'source', 'time'])
      expect(reason).toContain(`${field}:`);
  });

  it('C3 an envelope whose id is not a UUID is dead-lettered as InvalidEnvelopeError', async () => {
    // Arrange
    const { consume, dlq } = consumerRig();
    const record = relayedRecord(signupEvent(eventIds(1)[0] as string));
    const body = { ...JSON.parse(record.body), id: 'welcome-1' };

    // Act
    await consume(makeSqsEvent([{ ...record, body: JSON.stringify(body) }]));

    // Assert
    expect(reasonOf(onlyMessage(dlq))).toMatch(
      /^InvalidEnvelopeError: invalid event envelope: id: /,
    );
  });

  it('C4 a valid envelope without any message attributes is delivered under the envelope id', async () => {
    // Arrange
    const { consume, dlq, senders } = consumerRig();
    const [id] = eventIds(1) as [string];
    const record = relayedRecord(signupEvent(id));

    // Act
    const response = await consume(makeSqsEvent([{ ...record, messageAttributes: {} }]));

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    expect(senders.emails.map((s) => s.context.eventId)).toEqual([id]);
    expect(dlq.messages()).toEqual([]);
  });

  it('C5 an eventId attribute that disagrees with the envelope is ignored: the envelope id wins', async () => {
    // Arrange
    const { consume, senders } = consumerRig();
    const [id, other] = eventIds(2) as [string, string];
    const record = relayedRecord(signupEvent(id), {
      stringAttributes: { eventId: other, eventType: 'x' },
    });

    // Act
    await consume(makeSqsEvent([record]));

    // Assert
    expect(senders.emails.map((s) => s.context.notificationId)).toEqual([`${id}:0`]);
  });

  it('C6 an event type with no mapper is dead-lettered as UnmappedEventTypeError', async () => {
    // Arrange
    const { consume, dlq, senders } = consumerRig();
    const [id] = eventIds(1) as [string];
    const record = relayedRecord(
      makeEvent({ eventId: id, eventType: 'user.deleted', payload: signupPayload() }),
    );

    // Act
    const response = await consume(makeSqsEvent([record]));

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    expect(senders.sent).toEqual([]);
    const letter = onlyMessage(dlq);
    expect(errorOf(letter)).toBe('UnmappedEventTypeError');
    expect(reasonOf(letter)).toBe(
      'UnmappedEventTypeError: no notification mapper registered for event type "user.deleted"',
    );
    expect(letter.attributes).toMatchObject({
      deadLetterSource: 'consumer',
      eventId: id,
      receiveCount: '1',
      sourceQueue: 'tidings-events',
    });
    expect(letter.body).toBe(record.body);
  });

  it('C7 a payload the queue schema rejects is dead-lettered as PayloadValidationError', async () => {
    // Arrange
    const { consume, dlq, senders } = consumerRig();
    const [id] = eventIds(1) as [string];

    // Act
    await consume(
      makeSqsEvent([relayedRecord(signupEvent(id, signupPayload(1, 'not-an-address')))]),
    );

    // Assert
    const letter = onlyMessage(dlq);
    expect(errorOf(letter)).toBe('PayloadValidationError');
    expect(reasonOf(letter)).toMatch(
      /^PayloadValidationError: "user\.registered" payload rejected by queue "users": email: /,
    );
    expect(letter.attributes[DeadLetterAttribute.EVENT_ID]).toBe(id);
    expect(senders.sent).toEqual([]);
  });

  it('C8 a mapper that produces an invalid email address is dead-lettered as NotificationDeliveryError', async () => {
    // Arrange
    const router = routerOf(() => [
      { kind: 'email', to: 'ada at example', subject: 'Hi', body: 'Hi' },
    ]);
    const { consume, dlq, senders } = consumerRig({ router });

    // Act
    await consume(makeSqsEvent([relayedRecord(signupEvent(eventIds(1)[0] as string))]));

    // Assert
    const letter = onlyMessage(dlq);
    expect(errorOf(letter)).toBe('NotificationDeliveryError');
    expect(reasonOf(letter)).toContain(
      '#0 email: invalid email notification: to: not a valid email address: "ada at example"',
    );
    expect(senders.sent).toEqual([]);
  });

  it('C9 a mapper that returns an unknown notification kind is dead-lettered', async () => {
    // Arrange
    const router = routerOf(() => [{ kind: 'sms', to: '+15550100' } as unknown as Notification]);
    const { consume, dlq } = consumerRig({ router });

    // Act
    await consume(makeSqsEvent([relayedRecord(signupEvent(eventIds(1)[0] as string))]));

    // Assert
    const letter = onlyMessage(dlq);
    expect(errorOf(letter)).toBe('NotificationDeliveryError');
    expect(reasonOf(letter)).toContain(
      '#0 sms: unknown notification kind: "sms" (expected email, push or webhook)',
    );
  });

  it('C10 a mapper that throws is dead-lettered as MapperError', async () => {
    // Arrange
    const router = routerOf(() => {
      throw new TypeError("Cannot read properties of undefined (reading 'locale')");
    });
    const { consume, dlq } = consumerRig({ router });
    const [id] = eventIds(1) as [string];

    // Act
    await consume(makeSqsEvent([relayedRecord(signupEvent(id))]));

    // Assert
    const letter = onlyMessage(dlq);
    expect(errorOf(letter)).toBe('MapperError');
    expect(reasonOf(letter)).toBe(
      `MapperError: mapper for "user.registered" failed on event ${id}: Cannot read properties of undefined (reading 'locale')`,
    );
  });

  it('C11 a mapper that returns something other than a list is dead-lettered as MapperError', async () => {
    // Arrange
    const router = routerOf(() => ({ kind: 'email' }) as unknown as Notification[]);
    const { consume, dlq } = consumerRig({ router });

    // Act
    await consume(makeSqsEvent([relayedRecord(signupEvent(eventIds(1)[0] as string))]));

    // Assert
    expect(reasonOf(onlyMessage(dlq))).toContain('mapper returned object, expected an array');
  });

  it('C12 a plain http webhook URL is dead-lettered before any connection', async () => {
    // Arrange
    const router = routerOf(() => [
      { kind: 'webhook', url: 'http://hooks.example.com/in', payload: {} },
    ]);
    const { consume, dlq, senders } = consumerRig({ router });

    // Act
    await consume(makeSqsEvent([relayedRecord(signupEvent(eventIds(1)[0] as string))]));

    // Assert
    expect(reasonOf(onlyMessage(dlq))).toContain(
      'invalid webhook notification: url: webhook url must be https: "http://hooks.example.com/in"',
    );
    expect(senders.sent).toEqual([]);
  });

  it('C13 a webhook host that resolves to a private address is dead-lettered by the SSRF guard, never connected to', async () => {
    // Arrange
    const request = vi.fn(() => {
      throw new Error('the guard must refuse before connecting');
    });
    const webhook = new WebhookSender({
      secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
      lookup: async () => [{ address: '10.0.0.7', family: 4 }],
      request,
    });
    const router = routerOf(() => [
      { kind: 'webhook', url: 'https://hooks.example.com/in', payload: {} },
    ]);
    const { consume, dlq } = consumerRig({ router, senders: composeSenders({ webhook }) });

    // Act
    await consume(makeSqsEvent([relayedRecord(signupEvent(eventIds(1)[0] as string))]));

    // Assert
    const letter = onlyMessage(dlq);
    expect(errorOf(letter)).toBe('NotificationDeliveryError');
    expect(reasonOf(letter)).toContain(
      'webhook host "hooks.example.com" resolves to 10.0.0.7, which is private (10.0.0.0/8): refused',
    );
    expect(request).not.toHaveBeenCalled();
  });

  it('C14 a webhook to the instance metadata address is dead-lettered by the SSRF guard', async () => {
    // Arrange
    const request = vi.fn();
    const webhook = new WebhookSender({
      secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
      request,
    });
    const router = routerOf(() => [
      { kind: 'webhook', url: 'https://169.254.169.254/latest/meta-data/', payload: {} },
    ]);
    const { consume, dlq } = consumerRig({ router, senders: composeSenders({ webhook }) });

    // Act
    await consume(makeSqsEvent([relayedRecord(signupEvent(eventIds(1)[0] as string))]));

    // Assert
    expect(reasonOf(onlyMessage(dlq))).toContain(
      'resolves to 169.254.169.254, which is link-local (instance metadata lives here) (169.254.0.0/16): refused',
    );
    expect(request).not.toHaveBeenCalled();
  });

  it('C15 an email SES rejects is dead-lettered with the SES error', async () => {
    // Arrange
    ses.on(SendEmailCommand).rejects(
      new MessageRejected({
        message: 'Email address is not verified.',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const email = new SesEmailSender({
      fromAddress: 'no-reply@example.com',
      client: new SESv2Client({ region: 'us-east-1' }),
    });
    const { consume, dlq } = consumerRig({ senders: composeSenders({ email }) });

    // Act
    const response = await consume(
      makeSqsEvent([relayedRecord(signupEvent(eventIds(1)[0] as string))]),
    );

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    const letter = onlyMessage(dlq);
    expect(errorOf(letter)).toBe('NotificationDeliveryError');
    expect(reasonOf(letter)).toContain(
      '#0 email: SES SendEmail failed (permanent): MessageRejected: Email address is not verified.',
    );
  });

  it('C16 an email SES throttles is retried with a backoff, not dead-lettered', async () => {
    // Arrange
    ses.on(SendEmailCommand).rejects(
      Object.assign(new Error('Maximum sending rate exceeded.'), {
        name: 'TooManyRequestsException',
        $fault: 'client',
        $metadata: { httpStatusCode: 429 },
      }),
    );
    const email = new SesEmailSender({
      fromAddress: 'no-reply@example.com',
      client: new SESv2Client({ region: 'us-east-1' }),
    });
    const { consume, dlq, backoffs } = consumerRig({ senders: composeSenders({ email }) });
    const record = relayedRecord(signupEvent(eventIds(1)[0] as string));

    // Act
    const response = await consume(makeSqsEvent([record]));

    // Assert
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    expect(backoffs).toEqual([{ receiptHandle: record.receiptHandle, seconds: 8 }]);
    expect(dlq.messages()).toEqual([]);
  });

  it('C16 an email SES still throttles on the last receive is dead-lettered with the throttling reason', async () => {
    // Arrange
    ses.on(SendEmailCommand).rejects(
      Object.assign(new Error('Maximum sending rate exceeded.'), {
        name: 'TooManyRequestsException',
        $fault: 'client',
        $metadata: { httpStatusCode: 429 },
      }),
    );
    const email = new SesEmailSender({
      fromAddress: 'no-reply@example.com',
      client: new SESv2Client({ region: 'us-east-1' }),
    });
    const { consume, dlq, backoffs } = consumerRig({
      senders: composeSenders({ email }),
      retry: { maxReceiveCount: 10 },
    });
    const [id] = eventIds(1) as [string];
    const record = relayedRecord(signupEvent(id), {
      attributes: { ApproximateReceiveCount: '10' },
    });

    // Act
    const response = await consume(makeSqsEvent([record]));

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    expect(backoffs).toEqual([]);
    const letter = onlyMessage(dlq);
    expect(errorOf(letter)).toBe('NotificationDeliveryError');
    expect(reasonOf(letter)).toContain(
      '#0 email: SES SendEmail failed (transient): TooManyRequestsException: Maximum sending rate exceeded.',
    );
    expect(reasonOf(letter)).toMatch(
      /\(transient, retries exhausted: receive 10 of maxReceiveCount 10\)$/,
    );
    expect(letter.attributes).toMatchObject({
      deadLetterSource: 'consumer',
      eventId: id,
      receiveCount: '10',
      sourceQueue: 'tidings-events',
    });
  });

  it('C17 a push to a disabled endpoint is dead-lettered with EndpointDisabled', async () => {
    // Arrange
    sns.on(PublishCommand).rejects(
      new EndpointDisabledException({
        message: 'Endpoint is disabled',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const push = new SnsPushSender({ client: new SNSClient({ region: 'us-east-1' }) });
    const router = routerOf(() => [
      {
        kind: 'push',
        deviceToken: 'arn:aws:sns:us-east-1:000000000000:endpoint/APNS/app/0000',
        title: 'Hi',
        body: 'Welcome',
      },
    ]);
    const { consume, dlq } = consumerRig({ router, senders: composeSenders({ push }) });

    // Act
    await consume(makeSqsEvent([relayedRecord(signupEvent(eventIds(1)[0] as string))]));

    // Assert
    expect(reasonOf(onlyMessage(dlq))).toContain(
      '#0 push: SNS Publish failed (permanent): EndpointDisabledException: Endpoint is disabled',
    );
  });

  it('C18 a push whose device token is not an SNS endpoint ARN is dead-lettered without calling SNS', async () => {
    // Arrange
    const push = new SnsPushSender({ client: new SNSClient({ region: 'us-east-1' }) });
    const router = routerOf(() => [
      { kind: 'push', deviceToken: 'fcm-token-abc', title: 'Hi', body: 'Welcome' },
    ]);
    const { consume, dlq } = consumerRig({ router, senders: composeSenders({ push }) });

    // Act
    await consume(makeSqsEvent([relayedRecord(signupEvent(eventIds(1)[0] as string))]));

    // Assert
    expect(reasonOf(onlyMessage(dlq))).toContain(
      'push deviceToken must be an SNS platform endpoint ARN',
    );
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it('C19 a notification for a channel with no sender is dead-lettered naming the channel', async () => {
    // Arrange
    const router = routerOf(() => [
      { kind: 'webhook', url: 'https://hooks.example.com/in', payload: {} },
    ]);
    const { consume, dlq } = consumerRig({ router, senders: composeSenders({}) });

    // Act
    await consume(makeSqsEvent([relayedRecord(signupEvent(eventIds(1)[0] as string))]));

    // Assert
    expect(reasonOf(onlyMessage(dlq))).toContain(
      'no webhook sender is configured, so webhook notifications cannot be sent',
    );
  });

  it('C20 the same message delivered twice is sent once: the ledger skips the redelivery', async () => {
    // Arrange
    const { consume, senders, dlq } = consumerRig({ ledger: { store: new MemoryLedger() } });
    const record = relayedRecord(signupEvent(eventIds(1)[0] as string));

    // Act
    await consume(makeSqsEvent([record]));
    const again = await consume(
      makeSqsEvent([
        { ...record, attributes: { ...record.attributes, ApproximateReceiveCount: '2' } },
      ]),
    );

    // Assert
    expect(again.batchItemFailures).toEqual([]);
    expect(senders.emails).toHaveLength(1);
    expect(dlq.messages()).toEqual([]);
  });

  it('C21 a FIFO message without a MessageGroupId is delivered', async () => {
    // Arrange
    const { consume, senders } = consumerRig();
    const record = relayedRecord(signupEvent(eventIds(1)[0] as string), {
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:tidings-events.fifo',
    });

    // Act
    const response = await consume(makeSqsEvent([record]));

    // Assert
    expect(record.attributes.MessageGroupId).toBeUndefined();
    expect(response.batchItemFailures).toEqual([]);
    expect(senders.emails).toHaveLength(1);
  });

  it('C22 a consumer DLQ that refuses the letter leaves the message on the queue for a retry', async () => {
    // Arrange
    const refusingDlq = new MemoryQueue({ name: 'tidings-dlq' });
    vi.spyOn(refusingDlq, 'sendBatch').mockRejectedValue(new Error('throttled'));
    const { consume, backoffs } = consumerRig({ deadLetterQueue: refusingDlq });
    const record = makeSqsRecord({ body: 'not json' });

    // Act
    const response = await consume(makeSqsEvent([record]));

    // Assert
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    expect(backoffs.map((b) => b.receiptHandle)).toEqual([record.receiptHandle]);
  });

  it('C23 an event type its queue schema map does not list is dead-lettered as UnknownEventTypeError', async () => {
    // Arrange: a mapper is registered for order.shipped, so only the queue's map stops it;
    // the payload fits the user.registered schema, which one union schema would have let by.
    const queueSpec = defineQueue({
      name: 'notifications',
      schema: { [USER_REGISTERED]: z.object({ userId: z.uuid(), email: z.email() }) },
    });
    const email = (): Notification[] => [
      { kind: 'email', to: 'ada@example.com', subject: 'Hi', body: 'Hi' },
    ];
    const router = new NotificationRouter()
      .register(USER_REGISTERED, email)
      .register('order.shipped', email)
      .freeze();
    const { consume, dlq, senders } = consumerRig({ queueSpec, router });
    const [id] = eventIds(1) as [string];
    const record = relayedRecord(
      makeEvent({ eventId: id, eventType: 'order.shipped', payload: signupPayload() }),
    );

    // Act
    const response = await consume(makeSqsEvent([record]));

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    expect(senders.sent).toEqual([]);
    const letter = onlyMessage(dlq);
    expect(errorOf(letter)).toBe('UnknownEventTypeError');
    expect(reasonOf(letter)).toBe(
      'UnknownEventTypeError: queue "notifications" has no schema for event type "order.shipped"; it knows "user.registered"',
    );
    expect(letter.attributes).toMatchObject({
      deadLetterSource: 'consumer',
      eventId: id,
      receiveCount: '1',
    });
    expect(letter.body).toBe(record.body);
  });

  it('C24 a queue message without headers is delivered under the id derived from its queue and message id, dated when it was sent', async () => {
    // Arrange
    const senders = new RecordingSenders();
    const router = routerOf(() => [
      { kind: 'email', to: 'ada@example.com', subject: 'Hi', body: 'Hi' },
    ]);
    const message = {
      id: 'msg-7',
      queue: 'notifications',
      type: USER_REGISTERED,
      payload: signupPayload(),
      receiveCount: 1,
      sentAt: T0,
    };

    // Act
    const result = await processNotificationMessage(message, {
      router,
      senders,
      clock: () => T0 + 60_000,
    });

    // Assert
    expect(result.event.eventId).toBe(uuidv5('notifications:msg-7'));
    expect(result.event.occurredAt).toBe(new Date(T0).toISOString());
    expect(senders.emails.map((s) => s.context.eventId)).toEqual([uuidv5('notifications:msg-7')]);
  });
});

describe('bad input at the consumer: provider errors and limits', () => {
  it('C25 an email or push failing with an expired token or a request timeout is retried, not dead-lettered', async () => {
    // Arrange: both are client faults, which alone would read as permanent.
    ses.on(SendEmailCommand).rejects(
      Object.assign(new Error('The security token included in the request is expired'), {
        name: 'ExpiredTokenException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    sns.on(PublishCommand).rejects(
      Object.assign(new Error('Request timed out'), {
        name: 'RequestTimeoutException',
        $fault: 'client',
        $metadata: { httpStatusCode: 408 },
      }),
    );
    const email = new SesEmailSender({
      fromAddress: 'no-reply@example.com',
      client: new SESv2Client({ region: 'us-east-1' }),
    });
    const push = new SnsPushSender({ client: new SNSClient({ region: 'us-east-1' }) });
    const pushRouter = routerOf(() => [
      {
        kind: 'push',
        deviceToken: 'arn:aws:sns:us-east-1:000000000000:endpoint/APNS/app/0000',
        title: 'Hi',
        body: 'Welcome',
      },
    ]);
    const emails = consumerRig({ senders: composeSenders({ email }) });
    const pushes = consumerRig({ router: pushRouter, senders: composeSenders({ push }) });
    const [first, second] = eventIds(2) as [string, string];
    const emailRecord = relayedRecord(signupEvent(first));
    const pushRecord = relayedRecord(signupEvent(second));

    // Act
    const emailResponse = await emails.consume(makeSqsEvent([emailRecord]));
    const pushResponse = await pushes.consume(makeSqsEvent([pushRecord]));

    // Assert
    expect(emailResponse.batchItemFailures).toEqual([{ itemIdentifier: emailRecord.messageId }]);
    expect(pushResponse.batchItemFailures).toEqual([{ itemIdentifier: pushRecord.messageId }]);
    expect(emails.backoffs).toEqual([{ receiptHandle: emailRecord.receiptHandle, seconds: 8 }]);
    expect(pushes.backoffs).toEqual([{ receiptHandle: pushRecord.receiptHandle, seconds: 8 }]);
    expect(emails.dlq.messages()).toEqual([]);
    expect(pushes.dlq.messages()).toEqual([]);
  });

  it('C26 a webhook to a local-use NAT64 or an IPv4-translated address is dead-lettered by the SSRF guard', async () => {
    // Arrange: one URL literal, one host name whose DNS answer is the translated form.
    const request = vi.fn(() => {
      throw new Error('the guard must refuse before connecting');
    });
    const webhook = new WebhookSender({
      secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
      lookup: async () => [{ address: '::ffff:0:a9fe:a9fe', family: 6 }],
      request,
    });
    const router = routerOf(() => [
      { kind: 'webhook', url: 'https://[64:ff9b:1::a9fe:a9fe]/latest/meta-data/', payload: {} },
      { kind: 'webhook', url: 'https://hooks.example.com/in', payload: {} },
    ]);
    const { consume, dlq } = consumerRig({ router, senders: composeSenders({ webhook }) });

    // Act
    await consume(makeSqsEvent([relayedRecord(signupEvent(eventIds(1)[0] as string))]));

    // Assert
    const reason = reasonOf(onlyMessage(dlq));
    expect(reason).toContain(
      'webhook host "64:ff9b:1::a9fe:a9fe" resolves to 64:ff9b:1::a9fe:a9fe, which is reserved (local-use NAT64) (64:ff9b:1::/48): refused',
    );
    expect(reason).toContain(
      'webhook host "hooks.example.com" resolves to ::ffff:0:a9fe:a9fe, which is link-local (instance metadata lives here) (169.254.0.0/16), as an IPv4 address embedded in IPv6: refused',
    );
    expect(request).not.toHaveBeenCalled();
  });

  it('C27 a From name with non-ASCII characters is sent MIME-encoded; a non-ASCII address is refused when the sender is built', async () => {
    // Arrange
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-cafe' });
    const client = new SESv2Client({ region: 'us-east-1' });
    const email = new SesEmailSender({
      fromAddress: 'Tidings Café <no-reply@example.com>',
      client,
    });
    const { consume, dlq } = consumerRig({ senders: composeSenders({ email }) });

    // Act
    const response = await consume(
      makeSqsEvent([relayedRecord(signupEvent(eventIds(1)[0] as string))]),
    );
    const refused = thrownBy(
      () => new SesEmailSender({ fromAddress: 'Tidings <café@example.com>', client }),
    );

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    expect(dlq.messages()).toEqual([]);
    expect(ses).toHaveReceivedCommandWith(SendEmailCommand, {
      FromEmailAddress: '=?UTF-8?B?VGlkaW5ncyBDYWbDqQ==?= <no-reply@example.com>',
    });
    expect(refused).toBeInstanceOf(SenderConfigurationError);
    expect((refused as Error).message).toContain(
      'fromAddress must have an ASCII address (SES takes no SMTPUTF8; write an international domain in punycode, xn--...): "Tidings <café@example.com>"',
    );
  });

  it('C28 an email to 30 + 30 recipients is dead-lettered before SES is called', async () => {
    // Arrange
    const addresses = (n: number, prefix: string) =>
      Array.from({ length: n }, (_, i) => `${prefix}${i}@example.com`);
    const router = routerOf(() => [
      {
        kind: 'email',
        to: addresses(30, 'to'),
        cc: addresses(30, 'cc'),
        subject: 'Hi',
        body: 'Hi',
      },
    ]);
    const email = new SesEmailSender({
      fromAddress: 'no-reply@example.com',
      client: new SESv2Client({ region: 'us-east-1' }),
    });
    const { consume, dlq } = consumerRig({ router, senders: composeSenders({ email }) });

    // Act
    await consume(makeSqsEvent([relayedRecord(signupEvent(eventIds(1)[0] as string))]));

    // Assert
    const letter = onlyMessage(dlq);
    expect(errorOf(letter)).toBe('NotificationDeliveryError');
    expect(reasonOf(letter)).toContain(
      '#0 email: invalid email notification: (root): to and cc name 60 recipients together, over the 50 SES sends one message to',
    );
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
  });

  it('C29 a push whose payload passes 4 KB is dead-lettered before SNS is called', async () => {
    // Arrange: each field within its own limit; together 4,392 bytes for APNs.
    const push = new SnsPushSender({ client: new SNSClient({ region: 'us-east-1' }) });
    const router = routerOf(() => [
      {
        kind: 'push',
        deviceToken: 'arn:aws:sns:us-east-1:000000000000:endpoint/APNS/app/0000',
        title: 'T'.repeat(256),
        body: 'b'.repeat(4096),
      },
    ]);
    const { consume, dlq } = consumerRig({ router, senders: composeSenders({ push }) });

    // Act
    await consume(makeSqsEvent([relayedRecord(signupEvent(eventIds(1)[0] as string))]));

    // Assert
    const letter = onlyMessage(dlq);
    expect(errorOf(letter)).toBe('NotificationDeliveryError');
    expect(reasonOf(letter)).toContain(
      '#0 push: invalid push notification: (root): title, body and data make a 4392-byte APNs payload, over the 4096 bytes APNs accepts; (root): title, body and data make a 4420-byte FCM payload, over the 4096 bytes FCM accepts',
    );
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });
});

describe('docs/bad-input.md', () => {
  const reference = /`(test\/[\w./-]+\.test\.ts)` › "([^"]+)"/g;

  it('names, in every row, tests that exist, and every catalogue test has its row', () => {
    // Arrange
    const doc = readFileSync(new URL('../../docs/bad-input.md', import.meta.url), 'utf8');
    const rows = doc.split('\n').filter((line) => /^\|\s*[A-Z]\d+\s*\|/.test(line));
    const own = readFileSync(new URL(import.meta.url), 'utf8');
    const catalogue = [...own.matchAll(/\n {2}it\('([^']+)'/g)].map((m) => m[1] as string);
    const named: string[] = [];
    const missing: string[] = [];

    // Act
    for (const row of rows) {
      const refs = [...row.matchAll(reference)];
      if (refs.length === 0) missing.push(`row without a test: ${row.slice(0, 60)}`);
      for (const [, file, name] of refs) {
        const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
        if (!text.includes(`it('${name}'`) && !text.includes(`it("${name}"`))
          missing.push(`${file} › ${name}`);
        if (file === 'test/bad-input/catalogue.test.ts') named.push(name as string);
      }
    }

    // Assert
    expect(rows.length).toBeGreaterThanOrEqual(40);
    expect(missing).toEqual([]);
    const unlisted = catalogue.filter(
      (name) => !name.startsWith('names, in every row') && !named.includes(name),
    );
    expect(unlisted).toEqual([]);
  });
});
