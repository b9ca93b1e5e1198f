import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  type SendMessageBatchCommandOutput,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { usersOutbox } from '../../examples/signup/notifications.ts';
import { DeadLetterAttribute, streamRecordDeadLetters } from '../../lambdas/aws/deadLetter.ts';
import { MissingSequenceNumberError } from '../../lambdas/aws/relayErrors.ts';
import { SqsQueueSender } from '../../lambdas/aws/SqsQueueSender.ts';
import { relayStreamRecords } from '../../lambdas/aws/streamRelay.ts';
import { defineOutbox } from '../../lambdas/outbox/defineOutbox.ts';
import { toOutboxItem } from '../../lambdas/outbox/outboxItem.ts';
import type { OutboxItemKey, PendingOutbox } from '../../lambdas/ports.ts';
import { eventIds, makeEvent, rejectionOf } from '../helpers/events.ts';
import { makeStreamEvent, outboxInsertRecord, streamRecordOf } from '../helpers/relayRecords.ts';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/tidings-events';
const FIFO_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/tidings-events.fifo';
const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/tidings-relay-dlq';

const sqs = mockClient(SQSClient);
const client = new SQSClient({ region: 'us-east-1' });

afterEach(() => {
  sqs.reset();
});

function acceptAll(input: SendMessageBatchCommandInput): SendMessageBatchCommandOutput {
  return {
    $metadata: {},
    Successful: (input.Entries ?? []).map((entry) => ({
      Id: entry.Id,
      MessageId: `msg-${entry.Id}`,
      MD5OfMessageBody: 'md5',
    })),
    Failed: [],
  };
}

function validUser(i: number) {
  return {
    userId: `5b0f7a4e-2c1d-4e8f-9a3b-${i.toString(16).padStart(12, '0')}`,
    email: `user${i}@example.com`,
  };
}

function userEvent(eventId: string, i = 0, overrides: Parameters<typeof makeEvent>[0] = {}) {
  return makeEvent({ eventId, payload: validUser(i), ...overrides });
}

function recordingOutbox(): PendingOutbox & { deleted: string[]; setAsideKeys: OutboxItemKey[] } {
  const deleted: string[] = [];
  const setAsideKeys: OutboxItemKey[] = [];
  return {
    deleted,
    setAsideKeys,
    listPending: async () => [],
    deleteRelayed: async (ids) => {
      deleted.push(...ids);
    },
    setAside: async (keys) => {
      setAsideKeys.push(...keys);
    },
  };
}

function deps(queueUrl = QUEUE_URL, outbox?: PendingOutbox) {
  return {
    queue: new SqsQueueSender({ queueUrl, client }),
    deadLetters: streamRecordDeadLetters(new SqsQueueSender({ queueUrl: DLQ_URL, client })),
    outboxes: [usersOutbox],
    relay: { sleep: async () => {}, random: () => 0.5 },
    ...(outbox ? { outbox } : {}),
  };
}

function callsTo(queueUrl: string): SendMessageBatchCommandInput[] {
  return sqs
    .commandCalls(SendMessageBatchCommand)
    .map((call) => call.args[0].input)
    .filter((input) => input.QueueUrl === queueUrl);
}

function sequenceOf(record: DynamoDBRecord): string {
  return record.dynamodb?.SequenceNumber ?? '';
}

describe('relayStreamRecords', () => {
  it('sends 25 outbox inserts in exactly 3 batches of 10, 10 and 5, ignoring the 3 other records', async () => {
    // Arrange
    sqs.on(SendMessageBatchCommand).callsFake(acceptAll);
    const ids = eventIds(25);
    const inserts = ids.map((id, i) => outboxInsertRecord(userEvent(id, i)));
    const others = [
      {
        ...outboxInsertRecord(userEvent(eventIds(30)[26] as string)),
        eventName: 'MODIFY' as const,
      },
      {
        ...outboxInsertRecord(userEvent(eventIds(30)[27] as string)),
        eventName: 'REMOVE' as const,
      },
      streamRecordOf({ pk: 'USER#1', sk: 'PROFILE', kind: 'user', email: 'a@example.com' }),
    ];
    const event = makeStreamEvent([...inserts.slice(0, 12), ...others, ...inserts.slice(12)]);

    // Act
    const report = await relayStreamRecords(event, deps());

    // Assert
    expect(sqs).toHaveReceivedCommandTimes(SendMessageBatchCommand, 3);
    expect(callsTo(QUEUE_URL).map((input) => input.Entries?.length)).toEqual([10, 10, 5]);
    const sentIds = callsTo(QUEUE_URL).flatMap((input) => input.Entries?.map((e) => e.Id));
    expect(new Set(sentIds)).toEqual(new Set(ids));
    expect(report.response).toEqual({ batchItemFailures: [] });
    expect(report.ignored).toBe(3);
    expect(report.relayed).toHaveLength(25);
  });

  it('sends the CloudEvents envelope as the body with the event id and type as attributes', async () => {
    // Arrange
    sqs.on(SendMessageBatchCommand).callsFake(acceptAll);
    const event = userEvent(eventIds(1)[0] as string, 1);

    // Act
    await relayStreamRecords(makeStreamEvent([outboxInsertRecord(event)]), deps());

    // Assert
    const entry = callsTo(QUEUE_URL)[0]?.Entries?.[0];
    expect(JSON.parse(entry?.MessageBody ?? '')).toMatchObject({
      specversion: '1.0',
      id: event.eventId,
      type: 'user.registered',
      source: 'tidings/users',
      data: event.payload,
    });
    expect(entry?.MessageAttributes).toMatchObject({
      eventId: { DataType: 'String', StringValue: event.eventId },
      eventType: { DataType: 'String', StringValue: 'user.registered' },
    });
    expect(entry?.MessageGroupId).toBeUndefined();
  });

  it('on a FIFO queue groups by ordering key (else event id) and deduplicates by event id', async () => {
    // Arrange
    sqs.on(SendMessageBatchCommand).callsFake(acceptAll);
    const [keyed, unkeyed] = eventIds(2) as [string, string];
    const records = [
      outboxInsertRecord(userEvent(keyed, 1, { orderingKey: 'user-7' })),
      outboxInsertRecord(userEvent(unkeyed, 2, { orderingKey: undefined })),
    ];

    // Act
    await relayStreamRecords(makeStreamEvent(records), deps(FIFO_URL));

    // Assert
    expect(sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, {
      QueueUrl: FIFO_URL,
      Entries: [
        expect.objectContaining({
          Id: keyed,
          MessageGroupId: 'user-7',
          MessageDeduplicationId: keyed,
        }),
        expect.objectContaining({
          Id: unkeyed,
          MessageGroupId: unkeyed,
          MessageDeduplicationId: unkeyed,
        }),
      ],
    });
  });

  it('reports only the sequence number of an entry SQS fails on every try, and relays the rest', async () => {
    // Arrange
    const ids = eventIds(3);
    const stuck = ids[1] as string;
    sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => {
      const ok = acceptAll({ ...input, Entries: input.Entries?.filter((e) => e.Id !== stuck) });
      const failed = input.Entries?.some((e) => e.Id === stuck)
        ? [{ Id: stuck, Code: 'InternalError', SenderFault: false }]
        : [];
      return { ...ok, Failed: failed };
    });
    const records = ids.map((id, i) => outboxInsertRecord(userEvent(id, i)));
    const outbox = recordingOutbox();

    // Act
    const report = await relayStreamRecords(makeStreamEvent(records), deps(QUEUE_URL, outbox));

    // Assert
    expect(report.response.batchItemFailures).toEqual([
      { itemIdentifier: sequenceOf(records[1] as DynamoDBRecord) },
    ]);
    // First try plus two retries of the stuck entry alone, and nothing dead-lettered.
    expect(callsTo(QUEUE_URL).map((input) => input.Entries?.map((e) => e.Id))).toEqual([
      ids,
      [stuck],
      [stuck],
    ]);
    expect(callsTo(DLQ_URL)).toHaveLength(0);
    expect(outbox.deleted.sort()).toEqual([ids[0], ids[2]].sort());
  });

  it('relays the rest of the batch and dead-letters a corrupt record with its reason', async () => {
    // Arrange
    sqs.on(SendMessageBatchCommand).callsFake(acceptAll);
    const [first, corruptId, last] = eventIds(3) as [string, string, string];
    const corrupt = streamRecordOf({
      pk: `OUTBOX#${corruptId}`,
      sk: 'OUTBOX',
      kind: 'outbox',
      eventId: corruptId,
      eventType: 'user.registered',
      occurredAt: 'yesterday-ish',
      payload: validUser(9),
    });
    const records = [
      outboxInsertRecord(userEvent(first, 1)),
      corrupt,
      outboxInsertRecord(userEvent(last, 2)),
    ];
    const outbox = recordingOutbox();

    // Act
    const report = await relayStreamRecords(makeStreamEvent(records), deps(QUEUE_URL, outbox));

    // Assert
    expect(report.response.batchItemFailures).toEqual([]);
    expect(callsTo(QUEUE_URL)[0]?.Entries?.map((e) => e.Id)).toEqual([first, last]);
    const [letter] = callsTo(DLQ_URL).flatMap((input) => input.Entries ?? []);
    expect(letter?.MessageAttributes?.[DeadLetterAttribute.REASON]?.StringValue).toContain(
      'occurredAt is not a date: "yesterday-ish"',
    );
    expect(letter?.MessageAttributes?.[DeadLetterAttribute.ERROR]?.StringValue).toBe(
      'CorruptOutboxItemError',
    );
    expect(letter?.MessageAttributes?.[DeadLetterAttribute.SEQUENCE_NUMBER]?.StringValue).toBe(
      sequenceOf(corrupt),
    );
    expect(JSON.parse(letter?.MessageBody ?? '{}').newImage.occurredAt).toEqual({
      S: 'yesterday-ish',
    });
    expect(report.deadLettered).toBe(1);
    // Dead-lettered items leave the outbox too, so the sweeper does not pick them up again.
    expect(outbox.deleted.sort()).toEqual([first, corruptId, last].sort());
  });

  it('dead-letters a payload its outbox schema rejects, and passes unknown outboxes through', async () => {
    // Arrange
    sqs.on(SendMessageBatchCommand).callsFake(acceptAll);
    const [invalid, foreign] = eventIds(2) as [string, string];
    const records = [
      outboxInsertRecord(makeEvent({ eventId: invalid, payload: { userId: 'nope' } })),
      outboxInsertRecord(makeEvent({ eventId: foreign, payload: { anything: true } }), {
        outbox: 'orders',
      }),
    ];

    // Act
    const report = await relayStreamRecords(makeStreamEvent(records), deps());

    // Assert
    expect(report.response.batchItemFailures).toEqual([]);
    expect(callsTo(QUEUE_URL)[0]?.Entries?.map((e) => e.Id)).toEqual([foreign]);
    const [letter] = callsTo(DLQ_URL).flatMap((input) => input.Entries ?? []);
    expect(letter?.MessageAttributes?.[DeadLetterAttribute.ERROR]?.StringValue).toBe(
      'PayloadValidationError',
    );
    expect(letter?.MessageAttributes?.[DeadLetterAttribute.REASON]?.StringValue).toContain(
      'userId',
    );
    expect(letter?.MessageAttributes?.[DeadLetterAttribute.EVENT_ID]?.StringValue).toBe(invalid);
  });

  it("validates each event type with its outbox's schema for it, and dead-letters a type the outbox does not know", async () => {
    // Arrange
    sqs.on(SendMessageBatchCommand).callsFake(acceptAll);
    const outbox = defineOutbox({
      name: 'users',
      schema: {
        'user.registered': z.object({ userId: z.uuid(), email: z.email() }),
        'user.deleted': z.object({ userId: z.uuid(), deletedAt: z.iso.datetime() }),
      },
    });
    const [registered, deleted, userShaped, unknown] = eventIds(4) as [
      string,
      string,
      string,
      string,
    ];
    const deletion = { userId: validUser(1).userId, deletedAt: '2025-01-01T00:00:00Z' };
    const records = [
      outboxInsertRecord(userEvent(registered, 1)),
      outboxInsertRecord(
        makeEvent({ eventId: deleted, eventType: 'user.deleted', payload: deletion }),
      ),
      outboxInsertRecord(userEvent(userShaped, 2, { eventType: 'user.deleted' })),
      outboxInsertRecord(userEvent(unknown, 3, { eventType: 'order.shipped' })),
    ];

    // Act
    const report = await relayStreamRecords(makeStreamEvent(records), {
      ...deps(),
      outboxes: [outbox],
    });

    // Assert
    expect(report.response.batchItemFailures).toEqual([]);
    expect(report.relayed).toEqual([registered, deleted]);
    const letters = callsTo(DLQ_URL).flatMap((input) => input.Entries ?? []);
    const attribute = (index: number, name: string) =>
      letters[index]?.MessageAttributes?.[name]?.StringValue;
    expect(letters).toHaveLength(2);
    expect(attribute(0, DeadLetterAttribute.EVENT_ID)).toBe(userShaped);
    expect(attribute(0, DeadLetterAttribute.ERROR)).toBe('PayloadValidationError');
    expect(attribute(0, DeadLetterAttribute.REASON)).toMatch(
      /^PayloadValidationError: "user\.deleted" payload rejected by outbox "users": deletedAt: /,
    );
    expect(attribute(1, DeadLetterAttribute.EVENT_ID)).toBe(unknown);
    expect(attribute(1, DeadLetterAttribute.ERROR)).toBe('UnknownEventTypeError');
    expect(attribute(1, DeadLetterAttribute.REASON)).toBe(
      'UnknownEventTypeError: outbox "users" has no schema for event type "order.shipped"; it knows "user.registered", "user.deleted"',
    );
  });

  it('reports a record as failed when dead-lettering it fails, so it is never lost', async () => {
    // Arrange
    sqs.on(SendMessageBatchCommand, { QueueUrl: QUEUE_URL }).callsFake(acceptAll);
    sqs
      .on(SendMessageBatchCommand, { QueueUrl: DLQ_URL })
      .rejects(
        Object.assign(new Error('slow down'), { name: 'RequestThrottled', $fault: 'client' }),
      );
    const [good, bad] = eventIds(2) as [string, string];
    const corrupt = streamRecordOf({ pk: `OUTBOX#${bad}`, sk: 'OUTBOX', kind: 'outbox' });
    const records = [outboxInsertRecord(userEvent(good, 1)), corrupt];
    const outbox = recordingOutbox();

    // Act
    const report = await relayStreamRecords(makeStreamEvent(records), deps(QUEUE_URL, outbox));

    // Assert
    expect(report.response.batchItemFailures).toEqual([{ itemIdentifier: sequenceOf(corrupt) }]);
    expect(outbox.deleted).toEqual([good]);
  });

  it('dead-letters an entry SQS refuses as malformed instead of retrying it', async () => {
    // Arrange
    const [good, malformed] = eventIds(2) as [string, string];
    sqs.on(SendMessageBatchCommand, { QueueUrl: DLQ_URL }).callsFake(acceptAll);
    sqs
      .on(SendMessageBatchCommand, { QueueUrl: QUEUE_URL })
      .callsFake((input: SendMessageBatchCommandInput) => ({
        ...acceptAll({ ...input, Entries: input.Entries?.filter((e) => e.Id === good) }),
        Failed: [{ Id: malformed, Code: 'InvalidParameterValue', SenderFault: true }],
      }));
    const records = [
      outboxInsertRecord(userEvent(good, 1)),
      outboxInsertRecord(userEvent(malformed, 2)),
    ];

    // Act
    const report = await relayStreamRecords(makeStreamEvent(records), deps());

    // Assert
    expect(report.response.batchItemFailures).toEqual([]);
    expect(callsTo(QUEUE_URL)).toHaveLength(1);
    const [letter] = callsTo(DLQ_URL).flatMap((input) => input.Entries ?? []);
    expect(letter?.MessageAttributes?.[DeadLetterAttribute.REASON]?.StringValue).toBe(
      'InvalidParameterValue',
    );
    expect(letter?.MessageAttributes?.[DeadLetterAttribute.EVENT_ID]?.StringValue).toBe(malformed);
  });

  it('reports every record when SQS refuses the whole call, and dead-letters none of them', async () => {
    // Arrange: a client fault that is about the caller (IAM), not about any event.
    sqs
      .on(SendMessageBatchCommand)
      .rejects(
        Object.assign(new Error('not authorized'), { name: 'AccessDenied', $fault: 'client' }),
      );
    const records = eventIds(2).map((id, i) => outboxInsertRecord(userEvent(id, i)));

    // Act
    const report = await relayStreamRecords(makeStreamEvent(records), deps());

    // Assert
    expect(report.response.batchItemFailures).toEqual(
      records.map((record) => ({ itemIdentifier: sequenceOf(record) })),
    );
    expect(callsTo(DLQ_URL)).toHaveLength(0);
  });

  it("keeps and sets aside a dead-lettered item whose letter cannot hold it, or whose key is not its event's, and deletes the rest", async () => {
    // Arrange: an event whose message and image are over the limits (control characters
    // escape 6-fold), a corrupt item keyed as an event but with another id, a corrupt one
    // with its own key.
    sqs.on(SendMessageBatchCommand).callsFake(acceptAll);
    const [huge, misplaced, corrupt] = eventIds(3) as [string, string, string];
    const oversized = outboxInsertRecord(
      makeEvent({ eventId: huge, payload: { blob: '\u0001'.repeat(180_000) } }),
      { outbox: 'blobs' },
    );
    const notItsKey = streamRecordOf({
      ...toOutboxItem(userEvent(misplaced, 1), usersOutbox),
      pk: 'OUTBOX#42',
      eventId: '42',
    });
    const ownKey = streamRecordOf({
      ...toOutboxItem(userEvent(corrupt, 2), usersOutbox),
      occurredAt: 'soon',
    });
    const outbox = recordingOutbox();

    // Act
    const report = await relayStreamRecords(
      makeStreamEvent([oversized, notItsKey, ownKey]),
      deps(QUEUE_URL, outbox),
    );

    // Assert
    expect(report.deadLettered).toBe(3);
    expect(report.response.batchItemFailures).toEqual([]);
    expect(outbox.deleted).toEqual([corrupt]);
    expect(outbox.setAsideKeys).toEqual([
      { pk: 'OUTBOX#42', sk: 'OUTBOX' },
      { pk: `OUTBOX#${huge}`, sk: 'OUTBOX' },
    ]);
  });

  it('logs and does not fail the batch when setting items aside fails', async () => {
    // Arrange
    sqs.on(SendMessageBatchCommand).callsFake(acceptAll);
    const outbox: PendingOutbox = {
      listPending: async () => [],
      deleteRelayed: async () => {},
      setAside: vi.fn(async () => {
        throw new Error('AccessDeniedException');
      }),
    };
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const record = streamRecordOf({
      ...toOutboxItem(userEvent(eventIds(1)[0] as string, 1), usersOutbox),
      pk: 'OUTBOX#42',
      eventId: '42',
    });

    // Act
    const report = await relayStreamRecords(makeStreamEvent([record]), {
      ...deps(QUEUE_URL, outbox),
      logger,
    });

    // Assert
    expect(outbox.setAside).toHaveBeenCalledOnce();
    expect(report.response.batchItemFailures).toEqual([]);
    expect(logger.warn).toHaveBeenCalledWith('setting aside dead-lettered outbox items failed', {
      keys: ['OUTBOX#42'],
      error: 'Error: AccessDeniedException',
    });
  });

  it('logs an unrelayable record with the addresses its reason quotes masked, the letter keeping them', async () => {
    // Arrange: an item written without the helper, its key and event id an address.
    sqs.on(SendMessageBatchCommand).callsFake(acceptAll);
    const outbox: PendingOutbox = {
      listPending: async () => [],
      deleteRelayed: async () => {},
      setAside: vi.fn(async () => {
        throw new Error('AccessDeniedException for EMAIL#ada@example.com');
      }),
    };
    const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const record = streamRecordOf({
      ...toOutboxItem(userEvent(eventIds(1)[0] as string, 1), usersOutbox),
      pk: 'EMAIL#ada@example.com',
      eventId: 'ada@example.com',
    });

    // Act
    await relayStreamRecords(makeStreamEvent([record]), {
      ...deps(QUEUE_URL, outbox),
      logger,
    });

    // Assert
    const lines = JSON.stringify([logger.info.mock.calls, logger.warn.mock.calls]);
    expect(lines).not.toContain('ada@example.com');
    expect(logger.warn).toHaveBeenCalledWith(
      'record can never be relayed; sent to the dead-letter queue',
      expect.objectContaining({
        reason: expect.stringContaining('eventId is not a UUID: "a***@example.com"'),
      }),
    );
    expect(logger.warn).toHaveBeenCalledWith('setting aside dead-lettered outbox items failed', {
      keys: ['EMAIL#a***@example.com'],
      error: 'Error: AccessDeniedException for EMAIL#a***@example.com',
    });
    expect(
      sqs.commandCalls(SendMessageBatchCommand).map((c) => JSON.stringify(c.args[0].input)),
    ).toEqual([expect.stringContaining('eventId is not a UUID: \\"ada@example.com\\"')]);
  });

  it('does not fail the batch when deleting relayed items fails', async () => {
    // Arrange
    sqs.on(SendMessageBatchCommand).callsFake(acceptAll);
    const outbox: PendingOutbox = {
      listPending: async () => [],
      deleteRelayed: vi.fn(async () => {
        throw new Error('ProvisionedThroughputExceeded');
      }),
      setAside: async () => {},
    };
    const records = [outboxInsertRecord(userEvent(eventIds(1)[0] as string, 1))];

    // Act
    const report = await relayStreamRecords(makeStreamEvent(records), deps(QUEUE_URL, outbox));

    // Assert
    expect(outbox.deleteRelayed).toHaveBeenCalledOnce();
    expect(report.response.batchItemFailures).toEqual([]);
    expect(report.relayed).toHaveLength(1);
  });

  it('throws rather than report success when a failed record has no sequence number', async () => {
    // Arrange
    sqs.on(SendMessageBatchCommand).resolves({ $metadata: {}, Successful: [], Failed: [] });
    const record = outboxInsertRecord(userEvent(eventIds(1)[0] as string, 1));
    delete record.dynamodb?.SequenceNumber;

    // Act
    const error = await rejectionOf(relayStreamRecords(makeStreamEvent([record]), deps()));

    // Assert
    expect(error).toBeInstanceOf(MissingSequenceNumberError);
  });
});
