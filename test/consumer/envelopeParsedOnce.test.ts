import { describe, expect, it, vi } from 'vitest';
import {
  USER_REGISTERED,
  type UserRegistered,
  userNotificationsQueue,
} from '../../examples/signup/notifications.ts';
import { sqsRecordDeadLetters } from '../../lambdas/aws/deadLetter.ts';
import { consumeSqsRecords } from '../../lambdas/aws/sqsConsumer.ts';
import { parseCloudEvent } from '../../lambdas/events/envelope.ts';
import {
  headersForEvent,
  integrationEventFromQueueMessage,
} from '../../lambdas/events/integrationEventFromQueueMessage.ts';
import type { IntegrationEvent } from '../../lambdas/events/types.ts';
import { NotificationRouter } from '../../lambdas/notifications/NotificationRouter.ts';
import { RecordingSenders } from '../../lambdas/notifications/RecordingSenders.ts';
import { MemoryQueue } from '../../lambdas/queue/MemoryQueue.ts';
import { relayedRecord, signupPayload } from '../helpers/badInput.ts';
import { eventIds, makeEvent } from '../helpers/events.ts';
import { makeSqsEvent } from '../helpers/sqs.ts';

// Counts the conversions the consumer makes, keeping the real ones.
vi.mock('../../lambdas/events/envelope.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../lambdas/events/envelope.ts')>();
  return { ...actual, parseCloudEvent: vi.fn(actual.parseCloudEvent) };
});
vi.mock('../../lambdas/events/integrationEventFromQueueMessage.ts', async (importOriginal) => {
  const actual =
    await importOriginal<
      typeof import('../../lambdas/events/integrationEventFromQueueMessage.ts')
    >();
  return {
    ...actual,
    headersForEvent: vi.fn(actual.headersForEvent),
    integrationEventFromQueueMessage: vi.fn(actual.integrationEventFromQueueMessage),
  };
});

describe('consumeSqsRecords', () => {
  it('parses each envelope once into the event it routes, with no round trip through headers', async () => {
    // Arrange
    const staged = eventIds(3).map((eventId, i) =>
      makeEvent<UserRegistered>({ eventId, eventType: USER_REGISTERED, payload: signupPayload(i) }),
    );
    const records = staged.map((event) => relayedRecord(event));
    const routed: IntegrationEvent[] = [];
    const router = new NotificationRouter().register<UserRegistered>(USER_REGISTERED, (event) => {
      routed.push(event);
      return [];
    });
    vi.clearAllMocks();

    // Act
    const report = await consumeSqsRecords(makeSqsEvent(records), {
      router,
      queueSpec: userNotificationsQueue,
      senders: new RecordingSenders(),
      visibility: { changeVisibility: async () => {} },
      deadLetters: sqsRecordDeadLetters(new MemoryQueue({ name: 'tidings-dlq' })),
    });

    // Assert
    expect(report.response.batchItemFailures).toEqual([]);
    expect(routed).toEqual(expect.arrayContaining(staged));
    expect(routed).toHaveLength(3);
    expect(vi.mocked(parseCloudEvent).mock.calls.map(([body]) => body)).toEqual(
      records.map((record) => record.body),
    );
    expect(integrationEventFromQueueMessage).not.toHaveBeenCalled();
    expect(headersForEvent).not.toHaveBeenCalled();
  });
});
