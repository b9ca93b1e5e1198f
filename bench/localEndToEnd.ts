import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { notifications } from '../examples/signup/notifications.ts';
import { registerUser } from '../examples/signup/registerUser.ts';
import { DynamoDbPendingOutbox } from '../lambdas/aws/DynamoDbPendingOutbox.ts';
import {
  createTransactWriteClient,
  DynamoDbTransactWriter,
} from '../lambdas/aws/DynamoDbTransactWriter.ts';
import { sqsRecordDeadLetters, streamRecordDeadLetters } from '../lambdas/aws/deadLetter.ts';
import { createConsumerHandler } from '../lambdas/consumer.ts';
import { DynamoDbLedger } from '../lambdas/ledger/DynamoDbLedger.ts';
import { createLedgerTable, createTidingsTable } from '../lambdas/local/createTables.ts';
import { LOCAL_AWS_CONFIG, startDynamoDbLocal } from '../lambdas/local/DynamoDbLocal.ts';
import { startSesLocal } from '../lambdas/local/SesLocal.ts';
import { SqsEventPump } from '../lambdas/local/SqsEventPump.ts';
import { StreamPoller } from '../lambdas/local/StreamPoller.ts';
import { OUTBOX_STREAM_FILTER } from '../lambdas/outbox/tableDefinition.ts';
import type { NotificationSenders } from '../lambdas/ports.ts';
import { MemoryQueue } from '../lambdas/queue/MemoryQueue.ts';
import { createRelayHandler } from '../lambdas/relay.ts';
import { BenchMeasurementError } from './errors.ts';
import { BENCH_RESOURCES } from './pipeline.ts';
import { type SampleSummary, summarize } from './statistics.ts';

/** Options of `runLocalEndToEnd`. */
export interface LocalEndToEndOptions {
  readonly signups: number;
  /** Registrations in flight at once. @default 16 */
  readonly concurrency?: number;
  /** The senders the consumer uses, over an SES v2 client pointed at SES local. */
  readonly senders: (ses: SESv2Client) => NotificationSenders;
  /**
   * Start signups at this steady rate instead of all at once, to see the latency of a
   * pipeline that is not working through a backlog. @default as fast as possible
   */
  readonly ratePerSecond?: number;
  /** Consumer invocations running at once. @default 5 */
  readonly consumerConcurrency?: number;
  /** Give up when not every email went out by then. @default 120000 */
  readonly timeoutMs?: number;
}

/** Latency from commit to send and the throughput of one local run. */
export interface LocalEndToEndResult {
  readonly signups: number;
  /** ms from `registerUser` resolving (the commit) to the email sender resolving. */
  readonly commitToSendMs: SampleSummary;
  /** Emails per second, first registration started to last email sent. */
  readonly throughputPerSecond: number;
  readonly elapsedMs: number;
  /** DynamoDB Local start-up, ms (not part of the figures above). */
  readonly dynamoDbLocalStartupMs: number;
  /** What SES local received, as a check that every email went out once. */
  readonly emailsReceived: number;
  /** Time spent in relay invocations (stream reads included), ms. */
  readonly relayBusyMs: number;
  /** Time spent in consumer invocations, summed over the concurrent workers, ms. */
  readonly consumerBusyMs: number;
}

/**
 * Runs `signups` registrations through the whole pipeline on local stand-ins: DynamoDB Local
 * (transactions, the stream, the ledger table), the stream poller standing in for the relay's
 * event source mapping, `MemoryQueue` for SQS with the SQS event pump for the consumer's
 * mapping, and SES local behind the real SES sender. Registrations run `concurrency` at a
 * time while the poller and pump loop; each email's commit-to-send latency is recorded.
 *
 * @throws JavaRequiredError when DynamoDB Local cannot run (the caller skips this part).
 * @throws BenchMeasurementError when not every email is sent within `timeoutMs`.
 */
export async function runLocalEndToEnd(
  options: LocalEndToEndOptions,
): Promise<LocalEndToEndResult> {
  const ddb = await startDynamoDbLocal();
  const ses = await startSesLocal();
  const local = { ...LOCAL_AWS_CONFIG, endpoint: ddb.endpoint };
  const dynamodb = new DynamoDBClient(local);
  try {
    const table = await createTidingsTable(dynamodb, BENCH_RESOURCES.tableName);
    await createLedgerTable(dynamodb, BENCH_RESOURCES.ledgerTableName);

    const committedAt = new Map<string, number>();
    const latencies: number[] = [];
    const sesClient = new SESv2Client({ ...LOCAL_AWS_CONFIG, endpoint: ses.endpoint });
    const inner = options.senders(sesClient);
    const senders: NotificationSenders = {
      sendEmail: async (notification, context) => {
        const result = await inner.sendEmail(notification, context);
        const committed = committedAt.get(context.eventId);
        if (committed !== undefined) latencies.push(performance.now() - committed);
        return result;
      },
      sendPush: (notification, context) => inner.sendPush(notification, context),
      sendWebhook: (notification, context) => inner.sendWebhook(notification, context),
    };

    const queue = new MemoryQueue({ name: BENCH_RESOURCES.queueName });
    const relayDlq = new MemoryQueue({ name: BENCH_RESOURCES.relayDlqName });
    const consumerDlq = new MemoryQueue({ name: BENCH_RESOURCES.consumerDlqName });
    const relay = createRelayHandler({
      queue,
      deadLetters: streamRecordDeadLetters(relayDlq),
      outbox: new DynamoDbPendingOutbox({
        tableName: BENCH_RESOURCES.tableName,
        client: DynamoDBDocumentClient.from(dynamodb),
      }),
      outboxes: [notifications.outbox],
    });
    const consumer = createConsumerHandler({
      router: notifications.router,
      queueSpec: notifications.queue,
      senders,
      deadLetters: sqsRecordDeadLetters(consumerDlq),
      visibility: queue.visibilityChanger(),
      ledger: {
        store: new DynamoDbLedger({ tableName: BENCH_RESOURCES.ledgerTableName, client: dynamodb }),
      },
    });
    const poller = new StreamPoller({
      streamArn: table.streamArn,
      handler: relay,
      streamsClient: new DynamoDBStreamsClient(local),
      filter: OUTBOX_STREAM_FILTER,
    });
    const pump = new SqsEventPump(queue, consumer, { batchSize: 10 });
    const writer = new DynamoDbTransactWriter({ client: createTransactWriteClient(local) });

    const started = performance.now();
    let next = 0;
    let produced = false;
    const register = async () => {
      while (next < options.signups) {
        const i = next++;
        if (options.ratePerSecond) {
          const due = started + (i * 1000) / options.ratePerSecond;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        }
        const { eventId } = await registerUser(
          { email: `user${i}@example.com`, name: `User ${i}` },
          { writer, tableName: BENCH_RESOURCES.tableName },
        );
        committedAt.set(eventId, performance.now());
      }
    };
    const producers = Promise.all(
      Array.from({ length: options.concurrency ?? 16 }, () => register()),
    ).finally(() => {
      produced = true;
    });
    const timeoutMs = options.timeoutMs ?? 120_000;
    const deadline = started + timeoutMs;
    const done = () => latencies.length >= options.signups || performance.now() > deadline;
    const busyMs = { relay: 0, consumer: 0 };
    const idle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    // One stream shard: one relay invocation at a time, as the event source mapping does.
    const relayLoop = async () => {
      while (!done()) {
        const t = performance.now();
        const polled = await poller.pollOnce();
        busyMs.relay += performance.now() - t;
        if (polled.records === 0) await idle(produced ? 2 : 5);
      }
    };
    // The SQS mapping runs several consumer invocations at once; so do these workers.
    const consumerLoop = async () => {
      while (!done()) {
        const t = performance.now();
        const pumped = await pump.pumpOnce();
        busyMs.consumer += performance.now() - t;
        if (pumped.received === 0) await idle(2);
      }
    };
    await Promise.all([
      relayLoop(),
      ...Array.from({ length: options.consumerConcurrency ?? 5 }, () => consumerLoop()),
    ]);
    if (latencies.length < options.signups) {
      throw new BenchMeasurementError(
        `local run sent ${latencies.length} of ${options.signups} emails within ${timeoutMs} ms`,
      );
    }
    await producers;
    const elapsedMs = performance.now() - started;
    const received = await ses.fetchEmails();
    return {
      signups: options.signups,
      commitToSendMs: roundSummary(summarize(latencies)),
      throughputPerSecond: Math.round(options.signups / (elapsedMs / 1000)),
      elapsedMs: Math.round(elapsedMs),
      dynamoDbLocalStartupMs: ddb.startupMs,
      emailsReceived: received.length,
      relayBusyMs: Math.round(busyMs.relay),
      consumerBusyMs: Math.round(busyMs.consumer),
    };
  } finally {
    dynamodb.destroy();
    await ses.stop();
    await ddb.stop();
  }
}

function roundSummary(summary: SampleSummary): SampleSummary {
  const r = (value: number) => Math.round(value * 10) / 10;
  return {
    count: summary.count,
    min: r(summary.min),
    p50: r(summary.p50),
    p95: r(summary.p95),
    p99: r(summary.p99),
    max: r(summary.max),
  };
}
