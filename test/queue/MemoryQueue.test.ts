import { describe, expect, it } from 'vitest';
import { isPermanentError } from '../../lambdas/errors.ts';
import type { OutgoingMessage } from '../../lambdas/ports.ts';
import {
  BatchEntryIdsNotDistinctError,
  BatchRequestTooLongError,
  EmptyBatchRequestError,
  InvalidBatchEntryIdError,
  MessageRejectedError,
  QueueUnavailableError,
  ReceiptHandleInvalidError,
  TooManyEntriesInBatchRequestError,
} from '../../lambdas/queue/errors.ts';
import { MemoryQueue, type MemoryQueueOptions } from '../../lambdas/queue/MemoryQueue.ts';
import { MAX_MESSAGE_BYTES } from '../../lambdas/queue/types.ts';

const START = Date.UTC(2025, 5, 1);

function setup(options: Partial<MemoryQueueOptions> = {}) {
  let now = START;
  let ids = 0;
  const queue = new MemoryQueue({
    name: 'events',
    clock: () => now,
    newId: () => `m-${++ids}`,
    ...options,
  });
  return {
    queue,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

function entry(id: string, overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return { id, body: `{"n":"${id}"}`, ...overrides };
}

function thrown(action: () => void): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

function fifoEntry(id: string, groupId: string, deduplicationId = id): OutgoingMessage {
  return entry(id, { groupId, deduplicationId });
}

describe('MemoryQueue', () => {
  describe('options', () => {
    it.each([
      ['', 'an empty name'],
      ['has space', 'a space'],
      ['x'.repeat(81), '81 characters'],
      ['orders.fifo.dlq', 'a dot'],
    ])('refuses the queue name %j (%s)', (name) => {
      expect(() => new MemoryQueue({ name })).toThrow(TypeError);
    });

    it('infers FIFO from a .fifo name', () => {
      const queue = new MemoryQueue({ name: 'orders.fifo' });

      expect(queue.fifo).toBe(true);
    });

    it('refuses fifo: true for a name without .fifo, and a .fifo name for a standard queue', () => {
      expect(() => new MemoryQueue({ name: 'orders', fifo: true })).toThrow(/end with "\.fifo"/);
      expect(() => new MemoryQueue({ name: 'orders.fifo', fifo: false })).toThrow(
        /only a FIFO queue/,
      );
    });

    it.each([0, -1, 1.5, 1001])('refuses maxReceiveCount %s', (maxReceiveCount) => {
      expect(() => new MemoryQueue({ name: 'events', maxReceiveCount })).toThrow(
        new RegExp(`maxReceiveCount must be an integer from 1 to 1000: ${maxReceiveCount}`),
      );
    });

    it('refuses a negative visibility timeout', () => {
      expect(() => new MemoryQueue({ name: 'events', visibilityTimeoutSeconds: -1 })).toThrow(
        TypeError,
      );
    });
  });

  describe('sendBatch and receive', () => {
    it('delivers a sent message with its body, attributes and timestamps', async () => {
      const { queue, advance } = setup();
      const sent = await queue.sendBatch([
        entry('a', { attributes: { eventType: 'user.signed' } }),
      ]);
      advance(250);

      const [message] = queue.receive();

      expect(sent).toEqual({ successful: [{ id: 'a', messageId: 'm-1' }], failed: [] });
      expect(message).toMatchObject({
        messageId: 'm-1',
        body: '{"n":"a"}',
        attributes: { eventType: 'user.signed' },
        receiveCount: 1,
        sentAt: START,
        firstReceivedAt: START + 250,
      });
      expect(message?.receiptHandle).toEqual(expect.any(String));
    });

    it('receives at most `max` messages, in send order', async () => {
      const { queue } = setup();
      await queue.sendBatch(['a', 'b', 'c'].map((id) => entry(id)));

      const first = queue.receive({ max: 2 });
      const second = queue.receive({ max: 10 });

      expect(first.map((m) => m.messageId)).toEqual(['m-1', 'm-2']);
      expect(second.map((m) => m.messageId)).toEqual(['m-3']);
    });

    it.each([0, 11])('refuses receive max %s', (max) => {
      const { queue } = setup();

      expect(() => queue.receive({ max })).toThrow(RangeError);
    });

    it('throws EmptyBatchRequestError for an empty batch', async () => {
      const { queue } = setup();

      const sending = queue.sendBatch([]);

      await expect(sending).rejects.toBeInstanceOf(EmptyBatchRequestError);
      await expect(sending).rejects.toMatchObject({ code: 'EmptyBatchRequest', queue: 'events' });
    });

    it('throws TooManyEntriesInBatchRequestError for 11 entries and enqueues none', async () => {
      const { queue } = setup();
      const entries = Array.from({ length: 11 }, (_, i) => entry(`e${i}`));

      const sending = queue.sendBatch(entries);

      await expect(sending).rejects.toBeInstanceOf(TooManyEntriesInBatchRequestError);
      await expect(sending).rejects.toMatchObject({ entries: 11, max: 10 });
      expect(queue.isEmpty()).toBe(true);
    });

    it('throws BatchEntryIdsNotDistinctError naming the repeated id', async () => {
      const { queue } = setup();

      const sending = queue.sendBatch([entry('a'), entry('b'), entry('a')]);

      await expect(sending).rejects.toBeInstanceOf(BatchEntryIdsNotDistinctError);
      await expect(sending).rejects.toMatchObject({ entryId: 'a', permanent: true });
      expect(queue.isEmpty()).toBe(true);
    });

    it('throws InvalidBatchEntryIdError for an id SQS refuses', async () => {
      const { queue } = setup();

      await expect(queue.sendBatch([entry('not ok')])).rejects.toBeInstanceOf(
        InvalidBatchEntryIdError,
      );
    });

    it('throws BatchRequestTooLongError when valid entries add up to more than the limit', async () => {
      const { queue } = setup();
      const half = 'x'.repeat(MAX_MESSAGE_BYTES / 2 + 1);

      const sending = queue.sendBatch([entry('a', { body: half }), entry('b', { body: half })]);

      await expect(sending).rejects.toBeInstanceOf(BatchRequestTooLongError);
      await expect(sending).rejects.toMatchObject({ bytes: MAX_MESSAGE_BYTES + 2 });
      expect(queue.isEmpty()).toBe(true);
    });

    it('reports an oversized entry in failed with senderFault and accepts the others', async () => {
      const { queue } = setup();
      const tooBig = 'x'.repeat(MAX_MESSAGE_BYTES + 1);

      const result = await queue.sendBatch([entry('big', { body: tooBig }), entry('ok')]);

      expect(result.successful).toEqual([{ id: 'ok', messageId: 'm-1' }]);
      expect(result.failed).toEqual([
        {
          id: 'big',
          code: 'InvalidParameterValue',
          message: expect.stringContaining(`${MAX_MESSAGE_BYTES + 1} bytes`),
          senderFault: true,
        },
      ]);
      expect(queue.stats().visible).toBe(1);
    });

    it('counts attribute names and values towards the size limit', async () => {
      const { queue } = setup();
      const body = 'x'.repeat(MAX_MESSAGE_BYTES - 10);

      const result = await queue.sendBatch([entry('a', { body, attributes: { k: '12345' } })]);

      expect(result.failed.map((f) => f.id)).toEqual(['a']);
    });

    it.each([
      ['a body with U+0000', { body: 'a\u0000b' }, /U\+0000 at index 1/],
      ['an empty body', { body: '' }, /non-empty/],
      ['an attribute name starting with AWS.', { attributes: { 'AWS.x': 'v' } }, /"AWS\.x"/],
      ['an empty attribute value', { attributes: { eventId: '' } }, /"eventId"/],
      ['a delay over 900 seconds', { delaySeconds: 901 }, /901/],
      ['a groupId on a standard queue', { groupId: 'g' }, /FIFO queues only: "g"/],
      ['a deduplicationId on a standard queue', { deduplicationId: 'd' }, /FIFO queues only/],
    ])('refuses %s per entry and keeps the rest', async (_, overrides, message) => {
      const { queue } = setup();

      const result = await queue.sendBatch([entry('bad', overrides), entry('good')]);

      expect(result.successful.map((s) => s.id)).toEqual(['good']);
      expect(result.failed).toEqual([
        {
          id: 'bad',
          code: 'InvalidParameterValue',
          message: expect.stringMatching(message),
          senderFault: true,
        },
      ]);
    });

    it('refuses FIFO entries without groupId or deduplicationId', async () => {
      const { queue } = setup({ name: 'events.fifo' });

      const result = await queue.sendBatch([
        entry('noGroup', { deduplicationId: 'd1' }),
        entry('noDedup', { groupId: 'g' }),
        fifoEntry('ok', 'g'),
      ]);

      expect(result.successful.map((s) => s.id)).toEqual(['ok']);
      expect(result.failed).toEqual([
        expect.objectContaining({ id: 'noGroup', code: 'MissingParameter', senderFault: true }),
        expect.objectContaining({
          id: 'noDedup',
          code: 'InvalidParameterValue',
          senderFault: true,
        }),
      ]);
    });

    it('puts entries chosen by the fault hook in failed and enqueues the rest', async () => {
      const { queue } = setup({
        faults: {
          sendBatch: (message) =>
            message.id === 'b' ? { code: 'InternalError', senderFault: false } : undefined,
        },
      });

      const result = await queue.sendBatch([entry('a'), entry('b'), entry('c')]);

      expect(result.failed).toEqual([{ id: 'b', code: 'InternalError', senderFault: false }]);
      expect(queue.messages().map((m) => m.body)).toEqual(['{"n":"a"}', '{"n":"c"}']);
    });

    it('throws the error of the batch fault hook and enqueues nothing', async () => {
      const { queue } = setup({
        faults: {
          sendBatchError: () => new QueueUnavailableError('events', 'ThrottlingException'),
        },
      });

      const sending = queue.sendBatch([entry('a')]);

      await expect(sending).rejects.toBeInstanceOf(QueueUnavailableError);
      await expect(sending).rejects.toMatchObject({
        code: 'ThrottlingException',
        permanent: false,
      });
      expect(queue.isEmpty()).toBe(true);
    });

    it('send returns the message id of a single message', async () => {
      const { queue } = setup();

      const sent = await queue.send({ body: 'hello' });

      expect(sent).toEqual({ messageId: 'm-1' });
      expect(queue.receive()[0]?.body).toBe('hello');
    });

    it('send throws a permanent MessageRejectedError for a malformed message', async () => {
      const { queue } = setup();

      const error = await queue.send({ body: 'x', groupId: 'g' }).catch((e: unknown) => e);

      expect(error).toBeInstanceOf(MessageRejectedError);
      expect(error).toMatchObject({ code: 'InvalidParameterValue', senderFault: true });
      expect(isPermanentError(error)).toBe(true);
    });
  });

  describe('visibility', () => {
    it('hides a received message until its visibility timeout, then redelivers it', async () => {
      const { queue, advance } = setup({ visibilityTimeoutSeconds: 30 });
      await queue.send({ body: 'x' });
      const [first] = queue.receive();

      advance(29_999);
      const during = queue.receive();
      advance(1);
      const [second] = queue.receive();

      expect(during).toEqual([]);
      expect(second).toMatchObject({
        messageId: first?.messageId,
        receiveCount: 2,
        firstReceivedAt: START,
      });
      expect(second?.receiptHandle).not.toBe(first?.receiptHandle);
    });

    it('uses the visibility timeout given to receive over the queue default', async () => {
      const { queue, advance } = setup({ visibilityTimeoutSeconds: 30 });
      await queue.send({ body: 'x' });
      queue.receive({ visibilityTimeoutSeconds: 5 });

      advance(5_000);

      expect(queue.receive()).toHaveLength(1);
    });

    it('ack deletes the message so it is never redelivered', async () => {
      const { queue, advance } = setup();
      await queue.send({ body: 'x' });
      const [message] = queue.receive();

      queue.ack(message?.receiptHandle ?? '');
      advance(60_000);

      expect(queue.receive()).toEqual([]);
      expect(queue.isEmpty()).toBe(true);
    });

    it('nack makes the message visible again at once', async () => {
      const { queue } = setup();
      await queue.send({ body: 'x' });
      const [message] = queue.receive();

      queue.nack(message?.receiptHandle ?? '');

      expect(queue.receive()).toMatchObject([{ messageId: message?.messageId, receiveCount: 2 }]);
    });

    it('nack with delaySeconds keeps the message in flight for that long', async () => {
      const { queue, advance } = setup({ visibilityTimeoutSeconds: 30 });
      await queue.send({ body: 'x' });
      const [message] = queue.receive();

      queue.nack(message?.receiptHandle ?? '', { delaySeconds: 120 });
      advance(119_000);
      const early = queue.receive();
      const stats = queue.stats();
      advance(1_000);

      expect(early).toEqual([]);
      expect(stats).toMatchObject({ visible: 0, inFlight: 1 });
      expect(queue.receive()).toHaveLength(1);
    });

    it('changeVisibility sets the deadline from now, also through the async VisibilityChanger', async () => {
      const { queue, advance } = setup({ visibilityTimeoutSeconds: 30 });
      await queue.sendBatch([entry('a'), entry('b')]);
      const [a, b] = queue.receive({ max: 2 });

      queue.changeVisibility(a?.receiptHandle ?? '', 0);
      await queue.visibilityChanger().changeVisibility(b?.receiptHandle ?? '', 300);
      advance(30_000);

      expect(queue.receive({ max: 10 }).map((m) => m.messageId)).toEqual([a?.messageId]);
    });

    it('refuses a receipt handle from an earlier delivery', async () => {
      const { queue, advance } = setup();
      await queue.send({ body: 'x' });
      const [first] = queue.receive();
      advance(30_000);
      queue.receive();

      const ack = () => queue.ack(first?.receiptHandle ?? '');

      expect(ack).toThrow(ReceiptHandleInvalidError);
      expect(ack).toThrow(/received again/);
      expect(queue.isEmpty()).toBe(false);
    });

    it('refuses a receipt handle of a deleted message, saying so', async () => {
      const { queue } = setup();
      await queue.send({ body: 'x' });
      const [message] = queue.receive();
      queue.ack(message?.receiptHandle ?? '');

      const error = thrown(() => queue.nack(message?.receiptHandle ?? ''));

      expect(error).toBeInstanceOf(ReceiptHandleInvalidError);
      expect(error).toMatchObject({
        code: 'ReceiptHandleIsInvalid',
        receiptHandle: message?.receiptHandle,
        reason: expect.stringMatching(/deleted/),
      });
    });

    it('refuses a receipt handle it never issued', () => {
      const { queue } = setup();

      expect(() => queue.changeVisibility('made-up', 10)).toThrow(/never|no message/);
    });
  });

  describe('delays', () => {
    it('keeps a message sent with delaySeconds invisible and counted as delayed until due', async () => {
      const { queue, advance } = setup();
      await queue.send({ body: 'x', delaySeconds: 60 });

      const early = queue.receive();
      const stats = queue.stats();
      advance(60_000);

      expect(early).toEqual([]);
      expect(stats).toEqual({ visible: 0, inFlight: 0, delayed: 1, deadLettered: 0 });
      expect(queue.isEmpty()).toBe(false);
      expect(queue.receive()).toHaveLength(1);
    });

    it('tells how long until the next invisible message becomes visible', async () => {
      const { queue } = setup();
      await queue.sendBatch([entry('a', { delaySeconds: 90 }), entry('b', { delaySeconds: 45 })]);

      expect(queue.msUntilNextVisible()).toBe(45_000);
    });
  });

  describe('dead letters', () => {
    it('moves a message to the dead-letter list on the receive after maxReceiveCount', async () => {
      const { queue, advance } = setup({ maxReceiveCount: 2 });
      await queue.send({ body: 'x' });
      for (let i = 0; i < 2; i++) {
        const [message] = queue.receive();
        queue.nack(message?.receiptHandle ?? '', { reason: `attempt ${i + 1} timed out` });
      }
      advance(10);

      const third = queue.receive();

      expect(third).toEqual([]);
      expect(queue.deadLetters()).toEqual([
        {
          message: expect.objectContaining({ messageId: 'm-1', body: 'x' }),
          reason: 'attempt 2 timed out; maxReceiveCount (2) exceeded',
          deadLetteredAt: START + 10,
          receiveCount: 2,
        },
      ]);
      expect(queue.stats()).toEqual({ visible: 0, inFlight: 0, delayed: 0, deadLettered: 1 });
    });

    it('gives only the exceeded count as the reason when no nack reason was given', async () => {
      const { queue, advance } = setup({ maxReceiveCount: 1, visibilityTimeoutSeconds: 10 });
      await queue.send({ body: 'x' });
      queue.receive();
      advance(10_000);

      queue.receive();

      expect(queue.deadLetters()[0]?.reason).toBe('maxReceiveCount (1) exceeded');
    });

    it('delivers the next message in the same receive when one is dead-lettered', async () => {
      const { queue } = setup({ maxReceiveCount: 1 });
      await queue.send({ body: 'first' });
      const [first] = queue.receive();
      queue.nack(first?.receiptHandle ?? '');
      await queue.send({ body: 'second' });

      const received = queue.receive();

      expect(received.map((m) => m.body)).toEqual(['second']);
    });

    it('deadLetter moves a received message at once with its reason', async () => {
      const { queue } = setup();
      await queue.send({ body: 'x' });
      const [message] = queue.receive();

      queue.deadLetter(message?.receiptHandle ?? '', 'InvalidEnvelopeError: no type');

      expect(queue.deadLetters()).toEqual([
        expect.objectContaining({ reason: 'InvalidEnvelopeError: no type', receiveCount: 1 }),
      ]);
      expect(queue.isEmpty()).toBe(true);
      expect(() => queue.ack(message?.receiptHandle ?? '')).toThrow(/dead-lettered/);
    });

    it('redriveDeadLetters puts dead letters back with receiveCount reset', async () => {
      const { queue } = setup({ maxReceiveCount: 3 });
      await queue.sendBatch([entry('a'), entry('b')]);
      for (const message of queue.receive({ max: 2 })) {
        queue.deadLetter(message.receiptHandle, 'downstream outage');
      }

      const moved = queue.redriveDeadLetters();
      const received = queue.receive({ max: 10 });

      expect(moved).toBe(2);
      expect(queue.deadLetters()).toEqual([]);
      expect(received.map((m) => [m.messageId, m.receiveCount])).toEqual([
        ['m-1', 1],
        ['m-2', 1],
      ]);
    });
  });

  describe('FIFO', () => {
    it('reports a duplicate within 5 minutes as sent with the original id and enqueues it once', async () => {
      const { queue, advance } = setup({ name: 'events.fifo' });
      const first = await queue.sendBatch([fifoEntry('a', 'g', 'event-1')]);
      advance(299_999);

      const again = await queue.sendBatch([fifoEntry('b', 'g', 'event-1')]);

      expect(again.successful).toEqual([{ id: 'b', messageId: first.successful[0]?.messageId }]);
      expect(queue.messages()).toHaveLength(1);
    });

    it('deduplicates within one batch', async () => {
      const { queue } = setup({ name: 'events.fifo' });

      const result = await queue.sendBatch([fifoEntry('a', 'g', 'd'), fifoEntry('b', 'g', 'd')]);

      expect(result.successful).toEqual([
        { id: 'a', messageId: 'm-1' },
        { id: 'b', messageId: 'm-1' },
      ]);
      expect(queue.messages()).toHaveLength(1);
    });

    it('enqueues the same deduplication id again after the 5-minute window', async () => {
      const { queue, advance } = setup({ name: 'events.fifo' });
      await queue.sendBatch([fifoEntry('a', 'g', 'event-1')]);
      advance(300_000);

      const again = await queue.sendBatch([fifoEntry('a', 'g', 'event-1')]);

      expect(again.successful).toEqual([{ id: 'a', messageId: 'm-2' }]);
      expect(queue.messages()).toHaveLength(2);
    });

    it('still deduplicates after the original was deleted', async () => {
      const { queue } = setup({ name: 'events.fifo' });
      await queue.sendBatch([fifoEntry('a', 'g', 'event-1')]);
      queue.ack(queue.receive()[0]?.receiptHandle ?? '');

      await queue.sendBatch([fifoEntry('a', 'g', 'event-1')]);

      expect(queue.isEmpty()).toBe(true);
    });

    it('deduplicates by body with content-based deduplication', async () => {
      const { queue } = setup({ name: 'events.fifo', contentBasedDeduplication: true });

      await queue.sendBatch([
        entry('a', { groupId: 'g', body: 'same' }),
        entry('b', { groupId: 'g', body: 'same' }),
        entry('c', { groupId: 'g', body: 'other' }),
      ]);

      expect(queue.messages().map((m) => m.body)).toEqual(['same', 'other']);
    });

    it('holds back a group while one of its messages is in flight, and lets other groups flow', async () => {
      const { queue } = setup({ name: 'events.fifo' });
      await queue.sendBatch([fifoEntry('a1', 'a'), fifoEntry('a2', 'a'), fifoEntry('b1', 'b')]);
      const [a1] = queue.receive();

      const whileA1InFlight = queue.receive({ max: 10 });
      queue.ack(a1?.receiptHandle ?? '');
      const afterAck = queue.receive({ max: 10 });

      expect(a1?.groupId).toBe('a');
      expect(whileA1InFlight.map((m) => m.deduplicationId)).toEqual(['b1']);
      expect(afterAck.map((m) => m.deduplicationId)).toEqual(['a2']);
    });

    it('redelivers a failed message before later messages of its group', async () => {
      const { queue, advance } = setup({ name: 'events.fifo', visibilityTimeoutSeconds: 30 });
      await queue.sendBatch([fifoEntry('a1', 'a'), fifoEntry('a2', 'a')]);
      queue.receive();

      advance(30_000);
      const next = queue.receive({ max: 1 });

      expect(next).toMatchObject([{ deduplicationId: 'a1', receiveCount: 2 }]);
    });

    it('gives messages increasing 20-digit sequence numbers', async () => {
      const { queue } = setup({ name: 'events.fifo' });

      await queue.sendBatch([fifoEntry('a', 'g'), fifoEntry('b', 'h')]);

      expect(queue.messages().map((m) => m.sequenceNumber)).toEqual([
        '00000000000000000001',
        '00000000000000000002',
      ]);
    });

    it('refuses a per-message delay', async () => {
      const { queue } = setup({ name: 'events.fifo' });

      const result = await queue.sendBatch([{ ...fifoEntry('a', 'g'), delaySeconds: 5 }]);

      expect(result.failed).toMatchObject([{ id: 'a', senderFault: true }]);
    });
  });

  describe('stats', () => {
    it('counts visible, in-flight, delayed and dead-lettered messages', async () => {
      const { queue } = setup();
      await queue.sendBatch([
        entry('flying'),
        entry('dead'),
        entry('visible'),
        entry('later', { delaySeconds: 10 }),
      ]);
      const [flying, dead] = queue.receive({ max: 2 });
      queue.changeVisibility(flying?.receiptHandle ?? '', 60);
      queue.deadLetter(dead?.receiptHandle ?? '', 'bad');

      expect(queue.stats()).toEqual({ visible: 1, inFlight: 1, delayed: 1, deadLettered: 1 });
    });
  });
});
