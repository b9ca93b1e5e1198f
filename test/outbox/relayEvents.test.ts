import { describe, expect, it } from 'vitest';
import { parseCloudEvent } from '../../lambdas/events/envelope.ts';
import { Header } from '../../lambdas/events/types.ts';
import {
  chunkMessages,
  cloudEventSource,
  relayEvents,
  toOutgoingMessage,
} from '../../lambdas/outbox/relayEvents.ts';
import type { OutgoingMessage, QueueSender, SendBatchResult } from '../../lambdas/ports.ts';
import { BatchRequestTooLongError, QueueUnavailableError } from '../../lambdas/queue/errors.ts';
import { MAX_BATCH_ENTRIES, MAX_MESSAGE_BYTES, messageBytes } from '../../lambdas/queue/types.ts';
import { eventIds, makeStoredEvent } from '../helpers/events.ts';
import { RELATIVE_PATH_REFERENCE } from '../helpers/uriReference.ts';

type EntryAnswer = { code: string; message?: string; senderFault: boolean } | 'ok';

/**
 * A queue that records every batch it is given and answers each entry as `answer` says
 * (per entry id and attempt), or throws what `callError` returns for the whole call.
 */
class FakeQueue implements QueueSender {
  readonly batches: OutgoingMessage[][] = [];
  readonly accepted: OutgoingMessage[] = [];
  readonly #attempts = new Map<string, number>();
  #calls = 0;

  constructor(
    readonly fifo = false,
    private readonly answer: (id: string, attempt: number) => EntryAnswer = () => 'ok',
    private readonly callError: (call: number) => Error | undefined = () => undefined,
  ) {}

  async sendBatch(messages: readonly OutgoingMessage[]): Promise<SendBatchResult> {
    this.#calls += 1;
    this.batches.push([...messages]);
    const error = this.callError(this.#calls);
    if (error) throw error;
    const successful: { id: string; messageId: string }[] = [];
    const failed: { id: string; code: string; message?: string; senderFault: boolean }[] = [];
    for (const message of messages) {
      const attempt = (this.#attempts.get(message.id) ?? 0) + 1;
      this.#attempts.set(message.id, attempt);
      const answer = this.answer(message.id, attempt);
      if (answer === 'ok') {
        this.accepted.push(message);
        successful.push({ id: message.id, messageId: `m-${this.accepted.length}` });
      } else {
        failed.push({ id: message.id, ...answer });
      }
    }
    return { successful, failed };
  }
}

/** A sleep that returns at once and remembers the delays asked for. */
function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (ms) => {
      delays.push(ms);
    },
  };
}

const internalError = { code: 'InternalError', message: 'try again', senderFault: false };
const fast = () => ({ ...recordingSleep(), random: () => 0.5 });

function storedEvents(n: number, payload: (i: number) => unknown = (i) => ({ i })) {
  return eventIds(n).map((eventId, i) => makeStoredEvent({ eventId, payload: payload(i) }));
}

describe('relayEvents', () => {
  it('sends at most 10 entries per batch', async () => {
    // Arrange
    const queue = new FakeQueue();
    const events = storedEvents(23);

    // Act
    const report = await relayEvents(events, queue, fast());

    // Assert
    expect(queue.batches.map((b) => b.length)).toEqual([10, 10, 3]);
    expect(report.sent).toEqual(events.map((e) => e.event.eventId));
    expect(report.failed).toEqual([]);
  });

  it('keeps each batch within 1 MiB', async () => {
    // Arrange
    const queue = new FakeQueue();
    const big = 'x'.repeat(400_000);
    const events = storedEvents(5, () => ({ big }));

    // Act
    const report = await relayEvents(events, queue, fast());

    // Assert
    expect(queue.batches.map((b) => b.length)).toEqual([2, 2, 1]);
    for (const batch of queue.batches) {
      const bytes = batch.reduce((sum, m) => sum + messageBytes(m), 0);
      expect(bytes).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    }
    expect(report.sent).toHaveLength(5);
  });

  it('retries entries the queue failed on its side and reports them sent once accepted, with growing backoff', async () => {
    // Arrange
    const [flaky, steady] = eventIds(2) as [string, string];
    const queue = new FakeQueue(false, (id, attempt) =>
      id === flaky && attempt < 4 ? internalError : 'ok',
    );
    const { sleep, delays } = recordingSleep();

    // Act
    const report = await relayEvents(storedEvents(2), queue, {
      maxAttempts: 5,
      baseDelayMs: 100,
      random: () => 0.5,
      sleep,
    });

    // Assert
    expect([...report.sent].sort()).toEqual([flaky, steady].sort());
    expect(report.failed).toEqual([]);
    expect(queue.batches.map((b) => b.map((m) => m.id))).toEqual([
      [flaky, steady],
      [flaky],
      [flaky],
      [flaky],
    ]);
    expect(delays).toEqual([50, 100, 200]);
  });

  it('reports an entry that fails every attempt as failed (transient) and never as sent', async () => {
    // Arrange
    const [stuck, fine] = eventIds(2) as [string, string];
    const queue = new FakeQueue(false, (id) => (id === stuck ? internalError : 'ok'));

    // Act
    const report = await relayEvents(storedEvents(2), queue, { ...fast(), maxAttempts: 3 });

    // Assert
    expect(report.sent).toEqual([fine]);
    expect(report.failed).toEqual([
      {
        eventId: stuck,
        permanent: false,
        reason: 'not accepted after 3 attempts: InternalError: try again',
      },
    ]);
    expect(queue.batches.filter((b) => b.some((m) => m.id === stuck))).toHaveLength(3);
  });

  it('gives up at once on an entry the queue blames on the sender', async () => {
    // Arrange
    const [bad] = eventIds(1) as [string];
    const queue = new FakeQueue(false, () => ({
      code: 'InvalidParameterValue',
      message: 'bad attribute',
      senderFault: true,
    }));
    const { sleep, delays } = recordingSleep();

    // Act
    const report = await relayEvents(storedEvents(1), queue, { sleep, maxAttempts: 5 });

    // Assert
    expect(report.sent).toEqual([]);
    expect(report.failed).toEqual([
      { eventId: bad, permanent: true, reason: 'InvalidParameterValue: bad attribute' },
    ]);
    expect(queue.batches).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('retries the whole batch when the call throws a transient error', async () => {
    // Arrange
    const queue = new FakeQueue(
      false,
      () => 'ok',
      (call) =>
        call === 1 ? new QueueUnavailableError('events', 'ThrottlingException') : undefined,
    );

    // Act
    const report = await relayEvents(storedEvents(3), queue, fast());

    // Assert
    expect(queue.batches).toHaveLength(2);
    expect(report.sent).toHaveLength(3);
    expect(report.failed).toEqual([]);
  });

  it('treats an unknown thrown error as transient, naming it when attempts run out', async () => {
    // Arrange
    const queue = new FakeQueue(
      false,
      () => 'ok',
      () => new Error('socket hang up'),
    );

    // Act
    const report = await relayEvents(storedEvents(1), queue, { ...fast(), maxAttempts: 2 });

    // Assert
    expect(queue.batches).toHaveLength(2);
    expect(report.sent).toEqual([]);
    expect(report.failed[0]).toMatchObject({ permanent: false });
    expect(report.failed[0]?.reason).toContain('socket hang up');
  });

  it('fails the batch permanently without retry when the call throws a permanent error', async () => {
    // Arrange
    const permanent = new BatchRequestTooLongError('events', 2_000_000, MAX_MESSAGE_BYTES);
    const queue = new FakeQueue(
      false,
      () => 'ok',
      () => permanent,
    );

    // Act
    const report = await relayEvents(storedEvents(2), queue, fast());

    // Assert
    expect(queue.batches).toHaveLength(1);
    expect(report.sent).toEqual([]);
    expect(report.failed.map((f) => f.permanent)).toEqual([true, true]);
    expect(report.failed[0]?.reason).toMatch(/^BatchRequestTooLongError: /);
  });

  it('fails a message over the size limit permanently, without sending it', async () => {
    // Arrange
    const queue = new FakeQueue();
    const [huge, small] = eventIds(2) as [string, string];
    const events = storedEvents(2, (i) => (i === 0 ? { big: 'x'.repeat(MAX_MESSAGE_BYTES) } : {}));

    // Act
    const report = await relayEvents(events, queue, fast());

    // Assert
    expect(report.sent).toEqual([small]);
    expect(report.failed).toHaveLength(1);
    expect(report.failed[0]).toMatchObject({ eventId: huge, permanent: true });
    expect(report.failed[0]?.reason).toMatch(/over the SQS limit/);
    expect(queue.accepted.map((m) => m.id)).toEqual([small]);
  });

  it('sends duplicate event ids once', async () => {
    // Arrange
    const queue = new FakeQueue();
    const [id] = eventIds(1) as [string];
    const event = makeStoredEvent({ eventId: id });

    // Act
    const report = await relayEvents([event, event, { ...event }], queue, fast());

    // Assert
    expect(queue.accepted).toHaveLength(1);
    expect(report.sent).toEqual([id]);
  });

  it('gives FIFO messages the ordering key as group and the event id as deduplication id', async () => {
    // Arrange
    const queue = new FakeQueue(true);
    const [keyed, unkeyed] = eventIds(2) as [string, string];
    const events = [
      makeStoredEvent({ eventId: keyed, orderingKey: 'user-1' }),
      makeStoredEvent({ eventId: unkeyed, orderingKey: undefined }),
    ];

    // Act
    await relayEvents(events, queue, fast());

    // Assert
    expect(queue.accepted.map((m) => [m.groupId, m.deduplicationId])).toEqual([
      ['user-1', keyed],
      [unkeyed, unkeyed],
    ]);
  });

  it('leaves group and deduplication ids off standard-queue messages', async () => {
    // Arrange
    const queue = new FakeQueue(false);

    // Act
    await relayEvents(storedEvents(1), queue, fast());

    // Assert
    expect(queue.accepted[0]).not.toHaveProperty('groupId');
    expect(queue.accepted[0]).not.toHaveProperty('deduplicationId');
  });

  it('sends nothing for no events', async () => {
    // Arrange
    const queue = new FakeQueue();

    // Act
    const report = await relayEvents([], queue, fast());

    // Assert
    expect(queue.batches).toEqual([]);
    expect(report).toEqual({ sent: [], failed: [] });
  });
});

describe('toOutgoingMessage', () => {
  it('carries the CloudEvents envelope as body and the event headers as attributes', () => {
    // Arrange
    const stored = makeStoredEvent();

    // Act
    const message = toOutgoingMessage(stored, false);

    // Assert
    expect(message.id).toBe(stored.event.eventId);
    expect(parseCloudEvent(message.body)).toEqual({ ...stored.event, source: 'tidings/users' });
    expect(message.attributes?.[Header.EVENT_ID]).toBe(stored.event.eventId);
    expect(message.attributes?.[Header.EVENT_TYPE]).toBe('user.registered');
  });
});

describe('chunkMessages', () => {
  it('puts a lone message at the byte limit in a chunk of its own', () => {
    // Arrange
    const small: OutgoingMessage = { id: 'a', body: 'x' };
    const full: OutgoingMessage = { id: 'b', body: 'x'.repeat(MAX_MESSAGE_BYTES) };

    // Act
    const chunks = chunkMessages([small, full, small]);

    // Assert
    expect(chunks.map((c) => c.map((m) => m.id))).toEqual([['a'], ['b'], ['a']]);
  });

  it('fills chunks up to exactly 10 entries', () => {
    // Arrange
    const messages = Array.from({ length: MAX_BATCH_ENTRIES * 2 }, (_, i) => ({
      id: `m${i}`,
      body: '{}',
    }));

    // Act
    const chunks = chunkMessages(messages);

    // Assert
    expect(chunks.map((c) => c.length)).toEqual([10, 10]);
  });
});

describe('cloudEventSource', () => {
  it('leaves a name defineOutbox accepts as it is', () => {
    // Act
    const source = cloudEventSource('billing.events-v2_eu');

    // Assert
    expect(source).toBe('tidings/billing.events-v2_eu');
  });

  it.each([
    ['billing events', 'tidings/billing%20events'],
    ['facturación', 'tidings/facturaci%C3%B3n'],
    ['100%', 'tidings/100%25'],
    ['a/b?c#d', 'tidings/a%2Fb%3Fc%23d'],
    ['lone \uD800', 'tidings/lone%20%EF%BF%BD'],
  ])(
    'percent-encodes the outbox %j of an item written without the helper into a URI reference',
    (outbox, expected) => {
      // Act
      const source = cloudEventSource(outbox);

      // Assert
      expect(source).toBe(expected);
      expect(source).toMatch(RELATIVE_PATH_REFERENCE);
      expect(`tidings/${outbox}`).not.toMatch(RELATIVE_PATH_REFERENCE);
    },
  );
});
