import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  type MessageAttributeValue,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
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
import { BenchMeasurementError } from './errors.ts';
import type { MockedAws } from './mockedAws.ts';
import {
  BENCH_RESOURCES,
  benchConsumerHandler,
  benchRelayHandler,
  chunk,
  queueUrl,
} from './pipeline.ts';
import { median, medianOfRatios } from './statistics.ts';

/** Records (or messages) per second of one implementation, median over runs. */
export interface Throughput {
  readonly perSecond: number;
  readonly runs: readonly number[];
  /**
   * Items per second of this process's CPU time (user + system), median over runs: less
   * moved than wall time by other work on a shared machine.
   */
  readonly perCpuSecond: number;
  readonly items: number;
}

/** Ours against a baseline written in the benchmark, measured in the same process and run. */
export interface ThroughputComparison {
  readonly tidings: Throughput;
  /** The batched relay (`batchedRelayRun`) or the sequential consumer (`sequentialConsumerRun`). */
  readonly baseline: Throughput;
  /**
   * tidings / baseline, items per second: the median of the per-repeat ratios, each repeat
   * running both back to back, so a slow stretch of the machine divides out.
   */
  readonly ratio: number;
  /** The same, per CPU second. */
  readonly cpuRatio: number;
  /** Mocked latency added to every AWS call, ms. */
  readonly latencyMs: number;
}

/**
 * Times `run` `repeats` times over the same input, alternating with `baseline` so both see
 * the same machine load, and returns items per second for each (median of the runs) and the
 * paired ratio.
 */
export async function compareThroughput(
  items: number,
  repeats: number,
  run: () => Promise<void>,
  baseline: () => Promise<void>,
  latencyMs: number,
): Promise<ThroughputComparison> {
  const wall = { ours: [] as number[], theirs: [] as number[] };
  const cpu = { ours: [] as number[], theirs: [] as number[] };
  // One unmeasured pass each, so JIT warm-up is not billed to the first run.
  await run();
  await baseline();
  for (let i = 0; i < repeats; i++) {
    // Which goes first alternates, so neither always runs in the other's garbage.
    const order = i % 2 === 0 ? [run, baseline] : [baseline, run];
    for (const subject of order) {
      const cpu0 = process.cpuUsage();
      const started = performance.now();
      await subject();
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu0);
      const side = subject === run ? 'ours' : 'theirs';
      wall[side].push(items / seconds);
      cpu[side].push(items / ((used.user + used.system) / 1e6));
    }
  }
  const summary = (side: 'ours' | 'theirs'): Throughput => ({
    perSecond: Math.round(median(wall[side])),
    runs: wall[side].map(Math.round),
    perCpuSecond: Math.round(median(cpu[side])),
    items,
  });
  const twoDigits = (value: number) => Math.round(value * 100) / 100;
  return {
    tidings: summary('ours'),
    baseline: summary('theirs'),
    ratio: twoDigits(medianOfRatios(wall.ours, wall.theirs)),
    cpuRatio: twoDigits(medianOfRatios(cpu.ours, cpu.theirs)),
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

/** `SendMessageBatch` takes at most 10 entries, `BatchWriteItem` at most 25 requests. */
const SQS_BATCH_ENTRIES = 10;
const DYNAMODB_WRITE_BATCH = 25;

/**
 * The relay the benchmark compares against: a competent one written without Tidings' kit,
 * as a team would write it. Per stream batch, the same parsing and validation (unmarshall,
 * read the outbox item, check its payload against the outbox's schema, build the same
 * CloudEvents message), then `SendMessageBatch` of 10 and, for what SQS accepted,
 * `BatchWriteItem` of 25 deletes, each call awaited before the next. It retries unprocessed
 * deletes and fails on a refused entry; it does not check SQS's byte limits, dead-letter
 * bad records or report partial batch failures, which Tidings' relay does.
 */
export function batchedRelayRun(
  aws: MockedAws,
  records: readonly DynamoDBRecord[],
  batchSize = 100,
) {
  const url = queueUrl(BENCH_RESOURCES.queueName);
  const table = BENCH_RESOURCES.tableName;
  const batches = chunk(records, batchSize);
  const relayBatch = async (batch: readonly DynamoDBRecord[]) => {
    const entries: SendMessageBatchRequestEntry[] = [];
    for (const record of batch) {
      const image = record.dynamodb?.NewImage as Record<string, AttributeValue>;
      const stored = fromOutboxItem(unmarshall(image));
      validateEventPayload(
        usersOutbox.schema,
        stored.event.payload,
        'outbox "users"',
        stored.event.eventType,
      );
      const message = toOutgoingMessage(stored, false);
      const attributes: Record<string, MessageAttributeValue> = {};
      for (const [name, value] of Object.entries(message.attributes ?? {})) {
        attributes[name] = { DataType: 'String', StringValue: value };
      }
      entries.push({ Id: message.id, MessageBody: message.body, MessageAttributes: attributes });
    }
    const sent: string[] = [];
    for (const group of chunk(entries, SQS_BATCH_ENTRIES)) {
      const output = await aws.relaySqs.send(
        new SendMessageBatchCommand({ QueueUrl: url, Entries: group }),
      );
      if ((output.Failed ?? []).length > 0) {
        throw new BenchMeasurementError(`SQS refused ${output.Failed?.length} entries`);
      }
      for (const ok of output.Successful ?? []) if (ok.Id) sent.push(ok.Id);
    }
    for (const ids of chunk(sent, DYNAMODB_WRITE_BATCH)) {
      let requests = ids.map((id) => ({ DeleteRequest: { Key: outboxKey(id) } }));
      while (requests.length > 0) {
        const output = await aws.relayDocument.send(
          new BatchWriteCommand({ RequestItems: { [table]: requests } }),
        );
        requests = (output.UnprocessedItems?.[table] ?? []) as typeof requests;
      }
    }
  };
  return async () => {
    aws.resetHistory();
    for (const batch of batches) await relayBatch(batch);
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
 * The sequential consumer: the same kit (envelope, validation, routing, ledger, sender)
 * applied to one message at a time, each awaited before the next, without the batch
 * processor. SES sends one email per call and the ledger writes one item per call, so there
 * is nothing to batch; what it lacks is concurrency within a batch.
 */
export function sequentialConsumerRun(
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
