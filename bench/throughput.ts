import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, SQSRecord } from 'aws-lambda';
import {
  notifications,
  userNotificationsQueue,
  usersOutbox,
} from '../examples/signup/notifications.ts';
import { parseCloudEvent } from '../lambdas/events/envelope.ts';
import { DynamoDbLedger } from '../lambdas/ledger/DynamoDbLedger.ts';
import { processNotificationEvent } from '../lambdas/notifications/processNotificationMessage.ts';
import { fromOutboxItem, outboxKey } from '../lambdas/outbox/outboxItem.ts';
import { validateEventPayload } from '../lambdas/outbox/payloadSchemas.ts';
import { toOutgoingMessage } from '../lambdas/outbox/relayEvents.ts';
import type { NotificationSenders } from '../lambdas/ports.ts';
import type { MockedAws } from './mockedAws.ts';
import {
  BENCH_RESOURCES,
  benchConsumerHandler,
  benchRelayHandler,
  chunk,
  queueUrl,
} from './pipeline.ts';
import { median } from './statistics.ts';

/** Records (or messages) per second of one implementation, median over runs. */
export interface Throughput {
  readonly perSecond: number;
  readonly runs: readonly number[];
  readonly items: number;
}

/** Ours against the naive baseline, measured in the same process and run. */
export interface ThroughputComparison {
  readonly tidings: Throughput;
  readonly naive: Throughput;
  /** tidings / naive. */
  readonly ratio: number;
  /** Mocked latency added to every AWS call, ms. */
  readonly latencyMs: number;
}

/**
 * Times `run` `repeats` times over the same input, alternating with `baseline` so both see
 * the same machine load, and returns items per second for each (median of the runs).
 */
export async function compareThroughput(
  items: number,
  repeats: number,
  run: () => Promise<void>,
  baseline: () => Promise<void>,
  latencyMs: number,
): Promise<ThroughputComparison> {
  const ours: number[] = [];
  const naive: number[] = [];
  // One unmeasured pass each, so JIT warm-up is not billed to the first run.
  await run();
  await baseline();
  for (let i = 0; i < repeats; i++) {
    let started = performance.now();
    await run();
    ours.push(items / ((performance.now() - started) / 1000));
    started = performance.now();
    await baseline();
    naive.push(items / ((performance.now() - started) / 1000));
  }
  const tidings = { perSecond: Math.round(median(ours)), runs: ours.map(Math.round), items };
  const baselineResult = {
    perSecond: Math.round(median(naive)),
    runs: naive.map(Math.round),
    items,
  };
  return {
    tidings,
    naive: baselineResult,
    ratio: Math.round((tidings.perSecond / baselineResult.perSecond) * 100) / 100,
    latencyMs,
  };
}

/** Tidings' relay: the relay handler over stream batches of `batchSize`, one shard in order. */
export function relayRun(aws: MockedAws, records: readonly DynamoDBRecord[], batchSize = 100) {
  const handler = benchRelayHandler(aws);
  const batches = chunk(records, batchSize);
  return async () => {
    aws.resetHistory();
    for (const batch of batches) await handler({ Records: batch });
  };
}

/**
 * The naive relay the benchmark compares against: the same parsing and validation, then one
 * `SendMessage` and one `DeleteItem` per record, each awaited before the next.
 */
export function naiveRelayRun(aws: MockedAws, records: readonly DynamoDBRecord[]) {
  const url = queueUrl(BENCH_RESOURCES.queueName);
  return async () => {
    aws.resetHistory();
    for (const record of records) {
      const image = record.dynamodb?.NewImage as Record<string, AttributeValue>;
      const stored = fromOutboxItem(unmarshall(image));
      validateEventPayload(
        usersOutbox.schema,
        stored.event.payload,
        'outbox "users"',
        stored.event.eventType,
      );
      const message = toOutgoingMessage(stored, false);
      await aws.relaySqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: message.body,
          MessageAttributes: Object.fromEntries(
            Object.entries(message.attributes ?? {}).map(([name, value]) => [
              name,
              { DataType: 'String', StringValue: value },
            ]),
          ),
        }),
      );
      await aws.relayDocument.send(
        new DeleteCommand({
          TableName: BENCH_RESOURCES.tableName,
          Key: outboxKey(stored.event.eventId),
        }),
      );
    }
  };
}

/** Tidings' consumer: the consumer handler over SQS batches of `batchSize`. */
export function consumerRun(
  aws: MockedAws,
  senders: NotificationSenders,
  records: readonly SQSRecord[],
  batchSize = 10,
) {
  const handler = benchConsumerHandler(aws, senders);
  const batches = chunk(records, batchSize);
  return async () => {
    aws.resetHistory();
    for (const batch of batches) await handler({ Records: batch });
  };
}

/**
 * The naive consumer: the same kit (envelope, validation, routing, ledger, sender) applied to
 * one message at a time, each awaited before the next, without the batch processor.
 */
export function naiveConsumerRun(
  aws: MockedAws,
  senders: NotificationSenders,
  records: readonly SQSRecord[],
) {
  const router = notifications.router;
  const ledger = new DynamoDbLedger({
    tableName: BENCH_RESOURCES.ledgerTableName,
    client: aws.ledgerDynamoDb,
  });
  return async () => {
    aws.resetHistory();
    for (const record of records) {
      await processNotificationEvent(parseCloudEvent(record.body), {
        router,
        senders,
        queueSpec: userNotificationsQueue,
        ledger: { store: ledger },
      });
    }
  };
}
