import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  failedMessageIds,
  md5OfMessageAttributes,
  type SqsEventHandler,
  SqsEventPump,
  type SqsEventPumpOptions,
} from '../../lambdas/local/SqsEventPump.ts';
import { MemoryQueue, type MemoryQueueOptions } from '../../lambdas/queue/MemoryQueue.ts';
import { makeSqsEvent, makeSqsRecord } from '../helpers/sqs.ts';

const START = Date.UTC(2025, 5, 1);

function setup(queueOptions: Partial<MemoryQueueOptions> = {}) {
  let now = START;
  let ids = 0;
  const queue = new MemoryQueue({
    name: 'events',
    clock: () => now,
    newId: () => `m-${++ids}`,
    visibilityTimeoutSeconds: 30,
    ...queueOptions,
  });
  const events: SQSEvent[] = [];
  const pump = (handler: SqsEventHandler, options: SqsEventPumpOptions = {}) =>
    new SqsEventPump(
      queue,
      async (event, context) => {
        events.push(structuredClone(event));
        return handler(event, context);
      },
      options,
    );
  return {
    queue,
    events,
    pump,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const succeedAll: SqsEventHandler = async () => undefined;

function failIds(...bodies: string[]): SqsEventHandler {
  return async (event) => ({
    batchItemFailures: event.Records.filter((r) => bodies.includes(r.body)).map((r) => ({
      itemIdentifier: r.messageId,
    })),
  });
}

describe('SqsEventPump', () => {
  describe('the SQS event', () => {
    it('carries records shaped as Lambda delivers them from a standard queue', async () => {
      const { queue, events, pump, advance } = setup();
      await queue.send({ body: '{}', attributes: { eventType: 'user.signed', eventId: 'e-1' } });
      advance(40);

      await pump(succeedAll, { region: 'eu-west-1' }).pumpOnce();

      expect(events).toHaveLength(1);
      expect(events[0]?.Records).toEqual([
        {
          messageId: 'm-1',
          receiptHandle: expect.any(String),
          body: '{}',
          attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: String(START),
            SenderId: expect.any(String),
            ApproximateFirstReceiveTimestamp: String(START + 40),
          },
          messageAttributes: {
            eventType: {
              stringValue: 'user.signed',
              stringListValues: [],
              binaryListValues: [],
              dataType: 'String',
            },
            eventId: {
              stringValue: 'e-1',
              stringListValues: [],
              binaryListValues: [],
              dataType: 'String',
            },
          },
          md5OfBody: '99914b932bd37a50b983c5e7c90ae93b',
          md5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/),
          eventSource: 'aws:sqs',
          eventSourceARN: 'arn:aws:sqs:eu-west-1:000000000000:events',
          awsRegion: 'eu-west-1',
        },
      ]);
    });

    it('adds group, deduplication id and sequence number for a FIFO queue', async () => {
      const { queue, events, pump } = setup({ name: 'events.fifo' });
      await queue.send({ body: 'x', groupId: 'user-1', deduplicationId: 'event-1' });

      await pump(succeedAll, {
        queueArn: 'arn:aws:sqs:us-east-1:123456789012:events.fifo',
      }).pumpOnce();

      expect(events[0]?.Records[0]).toMatchObject({
        attributes: {
          MessageGroupId: 'user-1',
          MessageDeduplicationId: 'event-1',
          SequenceNumber: '00000000000000000001',
        },
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:events.fifo',
      });
    });

    it('reports the receive count of a redelivery as a string', async () => {
      const { queue, events, pump, advance } = setup();
      await queue.send({ body: 'x' });
      const failing = pump(failIds('x'));
      await failing.pumpOnce();
      advance(30_000);

      await failing.pumpOnce();

      expect(events.map((e) => e.Records[0]?.attributes.ApproximateReceiveCount)).toEqual([
        '1',
        '2',
      ]);
    });

    it('passes a Lambda context whose remaining time follows the queue clock', async () => {
      const { queue, pump, advance } = setup();
      await queue.send({ body: 'x' });
      let seen: { name: string; remaining: number; arn: string } | undefined;
      const handler: SqsEventHandler = async (_event, context: Context) => {
        advance(1_000);
        seen = {
          name: context.functionName,
          remaining: context.getRemainingTimeInMillis(),
          arn: context.invokedFunctionArn,
        };
      };

      await pump(handler, { functionName: 'consumer', timeoutMs: 10_000 }).pumpOnce();

      expect(seen).toEqual({
        name: 'consumer',
        remaining: 9_000,
        arn: 'arn:aws:lambda:us-east-1:000000000000:function:consumer',
      });
    });

    it('computes md5OfMessageAttributes as SQS does', () => {
      // The digest SQS documents for this attribute.
      expect(md5OfMessageAttributes({ attribName1: 'attribValue 1' })).toBe(
        '19e27d4e946b072f3f58da80d94fd778',
      );
    });

    it('hands up to batchSize messages to one invocation, over several receives', async () => {
      const { queue, events, pump } = setup();
      for (let i = 0; i < 3; i++) {
        await queue.sendBatch(
          Array.from({ length: 10 }, (_, j) => ({ id: `e${j}`, body: `${i}-${j}` })),
        );
      }

      const result = await pump(succeedAll, { batchSize: 25 }).pumpOnce();

      expect(result).toMatchObject({ received: 25, succeeded: 25, failed: 0 });
      expect(events[0]?.Records).toHaveLength(25);
      expect(queue.messages()).toHaveLength(5);
    });

    it('refuses a batch size over 10 on a FIFO queue', () => {
      const { pump } = setup({ name: 'events.fifo' });

      expect(() => pump(succeedAll, { batchSize: 11 })).toThrow(/batchSize.*1 to 10.*11/);
    });
  });

  describe('settling the batch', () => {
    it('acknowledges every message when the handler returns nothing', async () => {
      const { queue, pump } = setup();
      await queue.sendBatch([
        { id: 'a', body: 'a' },
        { id: 'b', body: 'b' },
      ]);

      const result = await pump(succeedAll).pumpOnce();

      expect(result).toEqual({ received: 2, succeeded: 2, failed: 0, failedMessageIds: [] });
      expect(queue.isEmpty()).toBe(true);
    });

    it('keeps only the ids in batchItemFailures on the queue and deletes the others', async () => {
      const { queue, pump, advance } = setup();
      await queue.sendBatch(['a', 'b', 'c'].map((id) => ({ id, body: id })));

      const result = await pump(failIds('b')).pumpOnce();
      advance(30_000);
      const redelivered = queue.receive({ max: 10 });

      expect(result).toEqual({ received: 3, succeeded: 2, failed: 1, failedMessageIds: ['m-2'] });
      expect(redelivered.map((m) => [m.body, m.receiveCount])).toEqual([['b', 2]]);
    });

    it('leaves a failed message invisible until its visibility timeout', async () => {
      const { queue, pump, advance } = setup();
      await queue.send({ body: 'a' });

      await pump(failIds('a')).pumpOnce();
      advance(29_999);

      expect(queue.receive()).toEqual([]);
      expect(queue.stats().inFlight).toBe(1);
    });

    it('leaves the whole batch on the queue when the handler throws', async () => {
      const { queue, pump, advance } = setup();
      await queue.sendBatch(['a', 'b'].map((id) => ({ id, body: id })));
      const boom = new Error('boom');

      const result = await pump(async () => {
        throw boom;
      }).pumpOnce();
      advance(30_000);

      expect(result).toMatchObject({ received: 2, succeeded: 0, failed: 2, batchError: boom });
      expect(queue.receive({ max: 10 }).map((m) => m.body)).toEqual(['a', 'b']);
    });

    it.each([
      ['an id not in the batch', { batchItemFailures: [{ itemIdentifier: 'elsewhere' }] }],
      ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
      ['a missing itemIdentifier', { batchItemFailures: [{}] }],
      ['a batchItemFailures that is not a list', { batchItemFailures: 'm-1' }],
    ])('fails the whole batch for a response with %s', async (_, response) => {
      const { queue, pump, advance } = setup();
      await queue.sendBatch(['a', 'b'].map((id) => ({ id, body: id })));

      const result = await pump(async () => response as unknown as SQSBatchResponse).pumpOnce();
      advance(30_000);

      expect(result).toMatchObject({ succeeded: 0, failed: 2, batchError: expect.any(TypeError) });
      expect(queue.receive({ max: 10 })).toHaveLength(2);
    });

    it('keeps the visibility a handler set through the VisibilityChanger for a failed message', async () => {
      const { queue, pump, advance } = setup();
      await queue.send({ body: 'a' });
      const changer = queue.visibilityChanger();
      const backOff: SqsEventHandler = async (event) => {
        const [record] = event.Records;
        await changer.changeVisibility(record?.receiptHandle ?? '', 300);
        return { batchItemFailures: [{ itemIdentifier: record?.messageId ?? '' }] };
      };

      await pump(backOff).pumpOnce();
      advance(30_000);
      const atDefaultTimeout = queue.receive();
      advance(270_000);

      expect(atDefaultTimeout).toEqual([]);
      expect(queue.receive()).toHaveLength(1);
    });

    it('counts a message the handler dead-lettered itself as succeeded', async () => {
      const { queue, pump } = setup();
      await queue.send({ body: 'poison' });
      const handler: SqsEventHandler = async (event) => {
        queue.deadLetter(event.Records[0]?.receiptHandle ?? '', 'permanent');
      };

      const result = await pump(handler).pumpOnce();

      expect(result).toMatchObject({ succeeded: 1, failed: 0 });
      expect(queue.deadLetters()).toHaveLength(1);
    });

    it('does not invoke the handler when nothing is visible', async () => {
      const { events, pump } = setup();

      const result = await pump(succeedAll).pumpOnce();

      expect(result.received).toBe(0);
      expect(events).toEqual([]);
    });
  });

  describe('drain', () => {
    it('retries failures across visibility timeouts until the queue is empty', async () => {
      const { queue, pump, advance } = setup();
      await queue.sendBatch(['a', 'b', 'c'].map((id) => ({ id, body: id })));
      const attempts = new Map<string, number>();
      const flaky: SqsEventHandler = async (event) => {
        const failures = [];
        for (const record of event.Records) {
          const n = (attempts.get(record.body) ?? 0) + 1;
          attempts.set(record.body, n);
          if (record.body === 'b' && n < 3) failures.push({ itemIdentifier: record.messageId });
        }
        return { batchItemFailures: failures };
      };

      const result = await pump(flaky).drain({ maxRounds: 10, advance });

      expect(result).toEqual({ rounds: 3, received: 5, succeeded: 3, failed: 2, drained: true });
      expect(attempts.get('b')).toBe(3);
    });

    it('ends with the message dead-lettered when it keeps failing', async () => {
      const { queue, pump, advance } = setup({ maxReceiveCount: 3 });
      await queue.send({ body: 'a' });

      const result = await pump(failIds('a')).drain({ maxRounds: 10, advance });

      expect(result).toMatchObject({ rounds: 3, failed: 3, drained: true });
      expect(queue.deadLetters()[0]?.reason).toBe('maxReceiveCount (3) exceeded');
    });

    it('stops when only in-flight messages remain and no advance is given', async () => {
      const { queue, pump } = setup();
      await queue.send({ body: 'a' });

      const result = await pump(failIds('a')).drain({ maxRounds: 10 });

      expect(result).toEqual({ rounds: 1, received: 1, succeeded: 0, failed: 1, drained: false });
    });

    it('stops after maxRounds invocations', async () => {
      const { queue, pump, advance } = setup();
      await queue.send({ body: 'a' });

      const result = await pump(failIds('a')).drain({ maxRounds: 2, advance });

      expect(result).toMatchObject({ rounds: 2, drained: false });
    });

    it('throws when advance does not move the queue clock', async () => {
      const { queue, pump } = setup();
      await queue.send({ body: 'a', delaySeconds: 5 });

      const draining = pump(succeedAll).drain({ advance: () => undefined });

      await expect(draining).rejects.toThrow(/advance\(5000\) did not move the clock/);
    });
  });
});

describe('failedMessageIds', () => {
  it('treats a null response and an empty list as complete success', () => {
    expect(failedMessageIds(null, ['a'])).toEqual(new Set());
    expect(failedMessageIds({ batchItemFailures: [] }, ['a'])).toEqual(new Set());
    expect(failedMessageIds({ batchItemFailures: null }, ['a'])).toEqual(new Set());
  });
});

describe('makeSqsRecord', () => {
  it('builds a record with the same fields as the pump, overrides applied', async () => {
    const { queue, events, pump } = setup();
    await queue.send({ body: 'x', attributes: { eventType: 't' } });
    await pump(succeedAll).pumpOnce();

    const record = makeSqsRecord({
      body: 'x',
      stringAttributes: { eventType: 't' },
      attributes: { ApproximateReceiveCount: '4' },
    });

    const pumped = events[0]?.Records[0];
    expect(Object.keys(record).sort()).toEqual(Object.keys(pumped ?? {}).sort());
    expect(record.md5OfBody).toBe(pumped?.md5OfBody);
    expect(record.md5OfMessageAttributes).toBe(pumped?.md5OfMessageAttributes);
    expect(record.messageAttributes).toEqual(pumped?.messageAttributes);
    expect(record.attributes.ApproximateReceiveCount).toBe('4');
    expect(makeSqsEvent([record]).Records).toEqual([record]);
  });
});
