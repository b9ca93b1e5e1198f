import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import { vi } from 'vitest';
import { notifications } from '../../examples/signup/notifications.ts';
import { createProducerHandler } from '../../examples/signup/producer.ts';
import { sqsRecordDeadLetters, streamRecordDeadLetters } from '../../lambdas/aws/deadLetter.ts';
import { type ConsumerHandlerDeps, createConsumerHandler } from '../../lambdas/consumer.ts';
import type { IntegrationEvent } from '../../lambdas/events/types.ts';
import { RecordingSenders } from '../../lambdas/notifications/RecordingSenders.ts';
import { MemoryOutboxStore } from '../../lambdas/outbox/MemoryOutboxStore.ts';
import { toOutgoingMessage } from '../../lambdas/outbox/relayEvents.ts';
import type { OutboxItemKey, PendingOutbox, QueueSender } from '../../lambdas/ports.ts';
import { MemoryQueue, type QueuedMessage } from '../../lambdas/queue/MemoryQueue.ts';
import { createRelayHandler, type RelayHandlerDeps } from '../../lambdas/relay.ts';
import { makeSqsRecord, type SqsRecordOverrides } from './sqs.ts';

/** A valid `user.registered` payload for user `i`. */
export function signupPayload(i = 1, email = `user${i}@example.com`) {
  return { userId: `5b0f7a4e-2c1d-4e8f-9a3b-${i.toString(16).padStart(12, '0')}`, email };
}

/**
 * The relay handler over in-memory queues: the events queue, the relay DLQ, and the ids it
 * deleted and keys it set aside.
 * It validates committed payloads against `outboxes`, by default the signup example's outbox.
 */
export function relayRig(
  options: { queue?: QueueSender; deadLetterQueue?: QueueSender & { name?: string } } & Partial<
    Pick<RelayHandlerDeps, 'outboxes'>
  > = {},
) {
  const queue = options.queue ?? new MemoryQueue({ name: 'tidings-events' });
  const dlq = new MemoryQueue({ name: 'tidings-relay-dlq' });
  const deleted: string[] = [];
  const setAside: OutboxItemKey[] = [];
  const outbox: PendingOutbox = {
    listPending: async () => [],
    deleteRelayed: async (ids) => {
      deleted.push(...ids);
    },
    setAside: async (keys) => {
      setAside.push(...keys);
    },
  };
  const relay = createRelayHandler({
    queue,
    deadLetters: streamRecordDeadLetters(options.deadLetterQueue ?? dlq),
    outbox,
    relay: { sleep: async () => {}, random: () => 0.5 },
    outboxes: options.outboxes ?? [notifications.outbox],
  });
  return { relay, queue, dlq, deleted, setAside };
}

/**
 * The consumer handler with a consumer DLQ on a MemoryQueue and recorded visibility changes.
 * It routes and validates with the signup example's module unless `router` or `queueSpec` say
 * otherwise.
 */
export function consumerRig(
  deps: Partial<ConsumerHandlerDeps> & { deadLetterQueue?: QueueSender & { name?: string } } = {},
) {
  const dlq = new MemoryQueue({ name: 'tidings-dlq' });
  const senders = new RecordingSenders();
  const backoffs: { receiptHandle: string; seconds: number }[] = [];
  const { deadLetterQueue, retry, ...rest } = deps;
  const consume = createConsumerHandler({
    router: notifications.router,
    queueSpec: notifications.queue,
    senders,
    deadLetters: sqsRecordDeadLetters(deadLetterQueue ?? dlq),
    visibility: {
      changeVisibility: async (receiptHandle, seconds) => {
        backoffs.push({ receiptHandle, seconds });
      },
    },
    retry: { random: () => 0.5, ...retry },
    ...rest,
  });
  return { consume, dlq, senders, backoffs };
}

/** An SQS record carrying the envelope the relay writes for `event`, with its attributes. */
export function relayedRecord(
  event: IntegrationEvent,
  overrides: SqsRecordOverrides = {},
): SQSRecord {
  const message = toOutgoingMessage({ event, outbox: 'users' }, false);
  return makeSqsRecord({ body: message.body, stringAttributes: message.attributes, ...overrides });
}

/** The only message on a queue. @throws when there is not exactly one. */
export function onlyMessage(queue: MemoryQueue): QueuedMessage {
  const messages = queue.messages();
  if (messages.length !== 1) {
    throw new Error(`expected one message on ${queue.name}, found ${messages.length}`);
  }
  return messages[0] as QueuedMessage;
}

/** The producer handler over a MemoryOutboxStore, with its "registration refused" logs. */
export function producerRig() {
  const store = new MemoryOutboxStore();
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  const info = vi.spyOn(logger, 'info');
  const produce = createProducerHandler({ writer: store, tableName: 'tidings', logger });
  /** The `reason` of each refusal logged, e.g. `InvalidRegistrationError: ...`. */
  const refusals = () =>
    info.mock.calls
      .filter(([message]) => message === 'registration refused')
      .map((call) => (call[1] as { reason: string }).reason);
  return { produce, store, refusals };
}
