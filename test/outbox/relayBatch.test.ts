import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DeadLetterAttribute,
  outboxItemDeadLetters,
  streamRecordDeadLetters,
} from '../../lambdas/aws/deadLetter.ts';
import { SqsRequestError } from '../../lambdas/aws/relayErrors.ts';
import { relayStreamRecords } from '../../lambdas/aws/streamRelay.ts';
import { parseCloudEvent } from '../../lambdas/events/envelope.ts';
import { defineOutbox } from '../../lambdas/outbox/defineOutbox.ts';
import { MemoryOutboxStore } from '../../lambdas/outbox/MemoryOutboxStore.ts';
import { toOutboxItem } from '../../lambdas/outbox/outboxItem.ts';
import { PendingOutboxSweeper } from '../../lambdas/outbox/PendingOutboxSweeper.ts';
import { MemoryQueue, type MemoryQueueFaults } from '../../lambdas/queue/MemoryQueue.ts';
import { eventIds, fakeClock, makeEvent, T0 } from '../helpers/events.ts';
import { makeStreamEvent, streamRecordOf } from '../helpers/relayRecords.ts';

const outbox = defineOutbox({
  name: 'users',
  schema: { 'user.registered': z.object({ userId: z.string(), email: z.email() }) },
});

const [ID] = eventIds(1) as [string];

/** A committed `user.registered` item of the `users` outbox, with `overrides` laid over it. */
function item(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const event = makeEvent({
    eventId: ID,
    occurredAt: new Date(T0).toISOString(),
    payload: { userId: 'u-1', email: 'ada@example.com' },
  });
  return { ...toOutboxItem(event, outbox), ...overrides };
}

/** The item without its payload, as no producer writes it. */
function corrupt(): Record<string, unknown> {
  const { payload: _, ...rest } = item();
  return rest;
}

/** One bad (or good) item, the queues' faults, and what either path must make of it. */
interface Case {
  readonly item: Record<string, unknown>;
  readonly queueFaults?: MemoryQueueFaults;
  readonly deadLetterFaults?: MemoryQueueFaults;
  readonly expected: Outcome;
}

/** What became of the item: what the queue and the DLQ hold, and where the item is. */
interface Outcome {
  readonly sent: readonly string[];
  readonly letters: readonly { error?: string; reason?: string; eventId?: string }[];
  /** Reported to be offered again: a batch item failure, or pending for the next sweep. */
  readonly retry: boolean;
  readonly item: 'deleted' | 'pending' | 'set aside';
}

/** Meets the committed item in `store`; says whether it reported the item for a retry. */
type Path = (
  item: Record<string, unknown>,
  store: MemoryOutboxStore,
  queue: MemoryQueue,
  dlq: MemoryQueue,
) => Promise<boolean>;

/** The stream relay meets the item's INSERT: a retry is a batch item failure. */
const streamRelay: Path = async (item, store, queue, dlq) => {
  const report = await relayStreamRecords(makeStreamEvent([streamRecordOf(item)]), {
    queue,
    deadLetters: streamRecordDeadLetters(dlq),
    outbox: store,
    outboxes: [outbox],
    relay: { sleep: async () => {}, maxAttempts: 2 },
  });
  return report.response.batchItemFailures.length > 0;
};

/** The sweeper lists the item: a retry is an item left pending for the next run. */
const sweeper: Path = async (_item, store, queue, dlq) => {
  const report = await new PendingOutboxSweeper({
    outbox: store,
    queue,
    outboxes: [outbox],
    deadLetters: outboxItemDeadLetters(dlq),
    clock: fakeClock(T0 + 60_000),
    sleep: async () => {},
    maxAttempts: 2,
  }).relayPending();
  return report.failed.length + report.notDeadLettered.length > 0;
};

async function outcomeOf(path: Path, { item, queueFaults, deadLetterFaults }: Case) {
  const store = new MemoryOutboxStore();
  await store.transactWrite([{ Put: { TableName: 'tidings', Item: item } }]);
  const queue = new MemoryQueue({ name: 'tidings-events', faults: queueFaults ?? {} });
  const dlq = new MemoryQueue({ name: 'tidings-relay-dlq', faults: deadLetterFaults ?? {} });
  const retry = await path(item, store, queue, dlq);
  const left = store.get({ pk: String(item.pk), sk: String(item.sk) });
  return {
    sent: queue.messages().map((message) => parseCloudEvent(message.body).eventId),
    letters: dlq.messages().map(({ attributes }) => ({
      error: attributes[DeadLetterAttribute.ERROR],
      reason: attributes[DeadLetterAttribute.REASON],
      eventId: attributes[DeadLetterAttribute.EVENT_ID],
    })),
    retry,
    item: !left ? 'deleted' : 'pendingShard' in left ? 'pending' : 'set aside',
  } satisfies Outcome;
}

const refusedForGood: MemoryQueueFaults = {
  sendBatch: () => ({ code: 'InvalidMessageContents', senderFault: true }),
};

const cases: Record<string, Case> = {
  'a valid item is relayed and deleted': {
    item: item(),
    expected: { sent: [ID], letters: [], retry: false, item: 'deleted' },
  },
  'a payload its outbox schema rejects is dead-lettered and deleted': {
    item: item({ payload: { userId: 'u-1', email: 'not-an-address' } }),
    expected: {
      sent: [],
      letters: [
        {
          error: 'PayloadValidationError',
          reason: expect.stringMatching(
            /^PayloadValidationError: "user\.registered" payload rejected by outbox "users": email: /,
          ),
          eventId: ID,
        },
      ],
      retry: false,
      item: 'deleted',
    },
  },
  'an event type its outbox has no schema for is dead-lettered and deleted': {
    item: item({ eventType: 'user.deleted' }),
    expected: {
      sent: [],
      letters: [
        {
          error: 'UnknownEventTypeError',
          reason:
            'UnknownEventTypeError: outbox "users" has no schema for event type "user.deleted"; it knows "user.registered"',
          eventId: ID,
        },
      ],
      retry: false,
      item: 'deleted',
    },
  },
  'a corrupt item is dead-lettered and deleted': {
    item: corrupt(),
    expected: {
      sent: [],
      letters: [
        {
          error: 'CorruptOutboxItemError',
          reason: `CorruptOutboxItemError: corrupt outbox item OUTBOX#${ID}: payload is missing`,
          eventId: ID,
        },
      ],
      retry: false,
      item: 'deleted',
    },
  },
  "a corrupt item whose key is not its event's is dead-lettered and set aside": {
    item: item({ pk: 'OUTBOX#42', eventId: '42' }),
    expected: {
      sent: [],
      letters: [
        {
          error: 'CorruptOutboxItemError',
          reason:
            'CorruptOutboxItemError: corrupt outbox item OUTBOX#42: eventId is not a UUID: "42"',
        },
      ],
      retry: false,
      item: 'set aside',
    },
  },
  'a message the queue refuses for good is dead-lettered and deleted': {
    item: item(),
    queueFaults: refusedForGood,
    expected: {
      sent: [],
      letters: [{ error: 'MessageRefused', reason: 'InvalidMessageContents', eventId: ID }],
      retry: false,
      item: 'deleted',
    },
  },
  'a message whose letter cannot hold the item whole is dead-lettered and set aside': {
    // Control characters escape six-fold: a 180 KB item makes a message (and a letter) over 1 MiB.
    item: item({
      payload: { userId: 'u-1', email: 'ada@example.com', blob: '\u0001'.repeat(180_000) },
    }),
    expected: {
      sent: [],
      letters: [
        {
          error: 'MessageRefused',
          reason: expect.stringMatching(/^message is \d+ bytes, over the SQS limit of 1048576$/),
          eventId: ID,
        },
      ],
      retry: false,
      item: 'set aside',
    },
  },
  'a queue that refuses the whole call, even for good, dead-letters nothing and retries': {
    item: item(),
    queueFaults: {
      sendBatchError: () =>
        new SqsRequestError(
          'tidings-events',
          'SendMessageBatch',
          Object.assign(new Error('not authorized'), { name: 'AccessDenied', $fault: 'client' }),
        ),
    },
    expected: { sent: [], letters: [], retry: true, item: 'pending' },
  },
  'an item the dead-letter queue does not take is retried and stays pending': {
    item: corrupt(),
    deadLetterFaults: { sendBatch: () => ({ code: 'InternalError', senderFault: false }) },
    expected: { sent: [], letters: [], retry: true, item: 'pending' },
  },
};

describe('relayBatch, through the stream relay and the sweeper alike', () => {
  it.each(Object.entries(cases))('%s', async (_name, testCase) => {
    // Arrange / Act: the same item, met by each path on a table of its own.
    const stream = await outcomeOf(streamRelay, testCase);
    const swept = await outcomeOf(sweeper, testCase);

    // Assert
    expect({ stream, sweeper: swept }).toEqual({
      stream: testCase.expected,
      sweeper: testCase.expected,
    });
  });
});
