import { describe, expect, it } from 'vitest';
import {
  DeadLetterAttribute,
  deadLetterAttributes,
  outboxItemDeadLetters,
  sqsRecordDeadLetters,
  streamRecordDeadLetters,
  streamRecordLetter,
} from '../../lambdas/aws/deadLetter.ts';
import { DeadLetterSendError } from '../../lambdas/aws/relayErrors.ts';
import { MemoryQueue } from '../../lambdas/queue/MemoryQueue.ts';
import { EVENT_ID, rejectionOf } from '../helpers/events.ts';
import { streamRecordOf } from '../helpers/relayRecords.ts';
import { makeSqsRecord } from '../helpers/sqs.ts';

const info = {
  reason: 'PayloadValidationError: email: invalid',
  errorName: 'PayloadValidationError',
};

describe('deadLetterAttributes', () => {
  it('keeps the reason attributes first and fills up with the original ones to 10 in all', () => {
    // Arrange
    const original = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [`attr${i}`, `v${i}`]),
    );

    // Act
    const attributes = deadLetterAttributes(
      { ...info, eventId: EVENT_ID, receiveCount: 3, queue: 'notifications' },
      'consumer',
      original,
    );

    // Assert
    expect(Object.keys(attributes)).toHaveLength(10);
    expect(attributes).toMatchObject({
      [DeadLetterAttribute.REASON]: info.reason,
      [DeadLetterAttribute.ERROR]: 'PayloadValidationError',
      [DeadLetterAttribute.SOURCE]: 'consumer',
      [DeadLetterAttribute.EVENT_ID]: EVENT_ID,
      [DeadLetterAttribute.RECEIVE_COUNT]: '3',
      [DeadLetterAttribute.SOURCE_QUEUE]: 'notifications',
      attr0: 'v0',
    });
  });

  it('drops empty values and replaces characters SQS refuses', () => {
    // Act
    const attributes = deadLetterAttributes(
      { reason: 'bad \u0000 byte', errorName: 'X' },
      'relay',
      { empty: '' },
    );

    // Assert
    expect(attributes).not.toHaveProperty('empty');
    expect(attributes[DeadLetterAttribute.REASON]).toBe('bad \uFFFD byte');
  });
});

describe('streamRecordLetter', () => {
  it('leaves out an image too large for a message and says so', () => {
    // Arrange
    const record = streamRecordOf({ pk: 'OUTBOX#x', sk: 'OUTBOX', blob: 'x'.repeat(1_100_000) });

    // Act
    const letter = streamRecordLetter(record);

    // Assert
    expect(letter.complete).toBe(false);
    expect(JSON.parse(letter.body)).toMatchObject({
      keys: { pk: { S: 'OUTBOX#x' } },
      newImageOmitted: expect.stringContaining('over the queue limit'),
    });
  });
});

describe('relay letters holding a character SQS refuses', () => {
  it('write a U+FFFE or U+FFFF of the item as a JSON escape, so the letter is taken and reads back unchanged', async () => {
    // Arrange: an item committed without the SDK helper, which would have refused it.
    const item = { pk: 'OUTBOX#x', sk: 'OUTBOX', kind: 'outbox', name: 'Ada\uFFFE\uFFFF' };
    const dlq = new MemoryQueue({ name: 'tidings-relay-dlq' });

    // Act
    await streamRecordDeadLetters(dlq).deadLetter(streamRecordOf(item), info);
    await outboxItemDeadLetters(dlq).deadLetter(item, info);

    // Assert
    const [fromStream, fromSweeper] = dlq.messages();
    expect(fromStream?.body).toContain('Ada\\uFFFE\\uFFFF');
    expect(JSON.parse(fromStream?.body ?? '').newImage.name).toEqual({ S: 'Ada\uFFFE\uFFFF' });
    expect(JSON.parse(fromSweeper?.body ?? '').name).toBe('Ada\uFFFE\uFFFF');
  });
});

describe('QueueDeadLetters receipts', () => {
  it('say whether the letter holds the whole record, so the caller knows to keep an item', async () => {
    // Arrange
    const dlq = new MemoryQueue({ name: 'tidings-relay-dlq' });
    const small = { pk: 'OUTBOX#a', sk: 'OUTBOX', kind: 'outbox' };
    const large = { ...small, pk: 'OUTBOX#b', blob: 'x'.repeat(1_100_000) };

    // Act
    const whole = await outboxItemDeadLetters(dlq).deadLetter(small, info);
    const partial = await outboxItemDeadLetters(dlq).deadLetter(large, info);
    const streamPartial = await streamRecordDeadLetters(dlq).deadLetter(
      streamRecordOf(large),
      info,
    );

    // Assert
    expect(whole).toEqual({ complete: true });
    expect(partial).toEqual({ complete: false });
    expect(streamPartial).toEqual({ complete: false });
    expect(dlq.messages()).toHaveLength(3);
  });
});

describe('sqsRecordDeadLetters', () => {
  it('puts the original body and attributes on a FIFO dead-letter queue, deduplicated per message', async () => {
    // Arrange
    const dlq = new MemoryQueue({ name: 'tidings-dlq.fifo', clock: () => 0 });
    const sink = sqsRecordDeadLetters(dlq);
    const record = makeSqsRecord({ body: '{"x":1}', stringAttributes: { eventType: 'a.b' } });

    // Act
    await sink.deadLetter(record, info);
    await sink.deadLetter(record, info);

    // Assert
    const messages = dlq.messages();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      body: '{"x":1}',
      deduplicationId: record.messageId,
      attributes: { eventType: 'a.b', [DeadLetterAttribute.REASON]: info.reason },
    });
  });

  it('throws a transient DeadLetterSendError when the queue refuses the letter', async () => {
    // Arrange
    const dlq = new MemoryQueue({
      name: 'tidings-dlq',
      faults: { sendBatch: () => ({ code: 'InternalError', senderFault: false }) },
    });
    const record = makeSqsRecord();

    // Act
    const error = await rejectionOf(sqsRecordDeadLetters(dlq).deadLetter(record, info));

    // Assert
    expect(error).toBeInstanceOf(DeadLetterSendError);
    expect(error).toMatchObject({
      permanent: false,
      code: 'InternalError',
      recordId: record.messageId,
    });
  });
});
