import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { notifications, usersOutbox } from '../../examples/signup/notifications.ts';
import { streamRecordDeadLetters } from '../../lambdas/aws/deadLetter.ts';
import { Env, MetricName } from '../../lambdas/constants.ts';
import { outboxKey } from '../../lambdas/outbox/outboxItem.ts';
import { MemoryQueue } from '../../lambdas/queue/MemoryQueue.ts';
import { createRelayHandler, relayLambdaHandler } from '../../lambdas/relay.ts';
import { eventIds, makeEvent } from '../helpers/events.ts';
import { makeStreamEvent, outboxInsertRecord, streamRecordOf } from '../helpers/relayRecords.ts';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/tidings-events';
const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/tidings-relay-dlq';

const user = (i: number) => ({
  userId: `5b0f7a4e-2c1d-4e8f-9a3b-${String(i).padStart(12, '0')}`,
  email: `user${i}@example.com`,
});

describe('createRelayHandler', () => {
  it('relays to any QueueSender and emits relayed and unrelayable counts', async () => {
    // Arrange
    const queue = new MemoryQueue({ name: 'tidings-events' });
    const dlq = new MemoryQueue({ name: 'tidings-relay-dlq' });
    const metrics = new Metrics({ namespace: MetricName.NAMESPACE, serviceName: 'test' });
    const added = vi.spyOn(metrics, 'addMetric');
    vi.spyOn(metrics, 'publishStoredMetrics').mockReturnValue(metrics);
    const [good, bad] = eventIds(2) as [string, string];
    const records = [
      outboxInsertRecord(makeEvent({ eventId: good, payload: user(1) })),
      streamRecordOf({ pk: `OUTBOX#${bad}`, sk: 'OUTBOX', kind: 'outbox', eventId: bad }),
    ];
    const relay = createRelayHandler({
      queue,
      deadLetters: streamRecordDeadLetters(dlq),
      outboxes: [usersOutbox],
      metrics,
    });

    // Act
    const response = await relay(makeStreamEvent(records));

    // Assert
    expect(response).toEqual({ batchItemFailures: [] });
    expect(queue.messages().map((m) => m.attributes.eventId)).toEqual([good]);
    expect(dlq.messages()).toHaveLength(1);
    expect(added).toHaveBeenCalledWith(MetricName.EVENTS_RELAYED, 'Count', 1);
    expect(added).toHaveBeenCalledWith(MetricName.EVENTS_UNRELAYABLE, 'Count', 1);
  });
});

describe('relayLambdaHandler', () => {
  const sqs = mockClient(SQSClient);
  const ddb = mockClient(DynamoDBDocumentClient);

  beforeAll(() => {
    vi.stubEnv(Env.QUEUE_URL, QUEUE_URL);
    vi.stubEnv(Env.RELAY_DLQ_URL, DLQ_URL);
    vi.stubEnv(Env.TABLE_NAME, 'tidings');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  });

  afterEach(() => {
    sqs.reset();
    ddb.reset();
  });

  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it('is wired from the environment: sends to the queue URL and deletes relayed items', async () => {
    // Arrange
    sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
      Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id, MessageId: `m-${e.Id}` })),
      Failed: [],
    }));
    ddb.on(BatchWriteCommand).resolves({});
    const [id] = eventIds(1) as [string];
    const handler = relayLambdaHandler(notifications);

    // Act
    const response = await handler(
      makeStreamEvent([outboxInsertRecord(makeEvent({ eventId: id, payload: user(1) }))]),
    );

    // Assert
    expect(response).toEqual({ batchItemFailures: [] });
    expect(sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, {
      QueueUrl: QUEUE_URL,
      Entries: [expect.objectContaining({ Id: id })],
    });
    expect(ddb).toHaveReceivedCommandWith(BatchWriteCommand, {
      RequestItems: { tidings: [{ DeleteRequest: { Key: outboxKey(id) } }] },
    });
  });

  it('throws a TypeError at once for a value defineNotifications did not make', () => {
    // Act / Assert: before any invocation, and without reading the environment.
    expect(() => relayLambdaHandler({ outbox: usersOutbox } as never)).toThrow(TypeError);
    expect(() => relayLambdaHandler(undefined as never)).toThrow(
      /relay: expected the notifications made by defineNotifications\(\), got undefined/,
    );
  });
});
