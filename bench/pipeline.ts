import { createHash } from 'node:crypto';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord, SQSRecord } from 'aws-lambda';
import { notifications } from '../examples/signup/notifications.ts';
import { createProducerHandler, type ProducerHandler } from '../examples/signup/producer.ts';
import { DynamoDbPendingOutbox } from '../lambdas/aws/DynamoDbPendingOutbox.ts';
import { DynamoDbTransactWriter } from '../lambdas/aws/DynamoDbTransactWriter.ts';
import { sqsRecordDeadLetters, streamRecordDeadLetters } from '../lambdas/aws/deadLetter.ts';
import { SqsQueueSender } from '../lambdas/aws/SqsQueueSender.ts';
import { SqsVisibilityChanger } from '../lambdas/aws/sqsConsumer.ts';
import { type ConsumerHandler, createConsumerHandler } from '../lambdas/consumer.ts';
import { DynamoDbLedger } from '../lambdas/ledger/DynamoDbLedger.ts';
import { matchesAnyFilter } from '../lambdas/local/matchesFilter.ts';
import { md5OfMessageAttributes, toSqsMessageAttributes } from '../lambdas/local/SqsEventPump.ts';
import { OUTBOX_STREAM_FILTER } from '../lambdas/outbox/tableDefinition.ts';
import type { NotificationSenders } from '../lambdas/ports.ts';
import { createRelayHandler, type RelayHandler } from '../lambdas/relay.ts';
import { BenchMeasurementError } from './errors.ts';
import type { CallCounts, MockedAws, RelayedMessage } from './mockedAws.ts';

/** Names the benchmark's pretend deployment uses. */
export const BENCH_RESOURCES = {
  tableName: 'tidings',
  ledgerTableName: 'tidings-ledger',
  account: '000000000000',
  queueName: 'tidings-events',
  relayDlqName: 'tidings-relay-dlq',
  consumerDlqName: 'tidings-consumer-dlq',
  fromAddress: 'welcome@example.com',
} as const;

/** The SQS queue URL of a queue name in the benchmark's account. */
export function queueUrl(name: string): string {
  return `https://sqs.us-east-1.amazonaws.com/${BENCH_RESOURCES.account}/${name}`;
}

/** Event source mapping batch sizes the pipeline is driven with. */
export interface BatchSizes {
  /** DynamoDB stream records per relay invocation. @default 100 (the CDK's default) */
  readonly stream?: number;
  /** SQS messages per consumer invocation. @default 10 (the CDK's default) */
  readonly sqs?: number;
}

let sequence = 0;

/**
 * The stream records DynamoDB would emit for the items of committed transactions: one INSERT
 * per item, marshalled into the stream's attribute values with increasing sequence numbers,
 * then filtered by the relay's event source mapping filter, as Lambda does before invoking.
 */
export function streamRecordsFor(
  items: readonly Record<string, unknown>[],
  createdAtSeconds: number = Math.floor(Date.now() / 1000),
): DynamoDBRecord[] {
  const records = items.map((item): DynamoDBRecord => {
    const image = marshall(item, { removeUndefinedValues: true }) as Record<string, AttributeValue>;
    sequence += 1;
    const sequenceNumber = String(sequence).padStart(21, '0');
    return {
      eventID: `bench-${sequenceNumber}`,
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      eventSourceARN: `arn:aws:dynamodb:us-east-1:${BENCH_RESOURCES.account}:table/${BENCH_RESOURCES.tableName}/stream/2025-01-01T00:00:00.000`,
      dynamodb: {
        ApproximateCreationDateTime: createdAtSeconds,
        Keys: {
          ...(image.pk ? { pk: image.pk } : {}),
          ...(image.sk ? { sk: image.sk } : {}),
        },
        NewImage: image,
        SequenceNumber: sequenceNumber,
        SizeBytes: Buffer.byteLength(JSON.stringify(image)),
        StreamViewType: 'NEW_IMAGE',
      },
    };
  });
  return records.filter((record) => matchesAnyFilter(record, [OUTBOX_STREAM_FILTER]));
}

/** The SQS record Lambda delivers for a message the relay sent. */
export function sqsRecordFor(message: RelayedMessage, sentAt: number = Date.now()): SQSRecord {
  const strings: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.entry.MessageAttributes ?? {})) {
    if (value.StringValue !== undefined) strings[name] = value.StringValue;
  }
  const body = message.entry.MessageBody ?? '';
  const name = message.queueUrl.split('/').at(-1) ?? BENCH_RESOURCES.queueName;
  return {
    messageId: message.messageId,
    receiptHandle: `receipt-${message.messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(sentAt),
      SenderId: 'AIDABENCHRELAY',
      ApproximateFirstReceiveTimestamp: String(sentAt),
    },
    messageAttributes: toSqsMessageAttributes(strings),
    md5OfBody: createHash('md5').update(body, 'utf8').digest('hex'),
    ...(Object.keys(strings).length > 0
      ? { md5OfMessageAttributes: md5OfMessageAttributes(strings) }
      : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:${BENCH_RESOURCES.account}:${name}`,
    awsRegion: 'us-east-1',
  };
}

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`chunk size must be >= 1, got ${size}`);
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/**
 * The producer handler over the mocked clients, wired as `producerDepsFromEnv` wires it but
 * with the users and the outbox in one table, as the benchmark has always measured it.
 */
export function benchProducerHandler(aws: MockedAws): ProducerHandler {
  return createProducerHandler({
    writer: new DynamoDbTransactWriter({ client: aws.producerDocument }),
    tableName: BENCH_RESOURCES.tableName,
  });
}

/** The relay handler over the mocked clients, wired as `relayDepsFromEnv` wires it on AWS. */
export function benchRelayHandler(aws: MockedAws): RelayHandler {
  return createRelayHandler({
    queue: new SqsQueueSender({
      queueUrl: queueUrl(BENCH_RESOURCES.queueName),
      client: aws.relaySqs,
    }),
    deadLetters: streamRecordDeadLetters(
      new SqsQueueSender({
        queueUrl: queueUrl(BENCH_RESOURCES.relayDlqName),
        client: aws.relaySqs,
      }),
    ),
    outbox: new DynamoDbPendingOutbox({
      tableName: BENCH_RESOURCES.tableName,
      client: aws.relayDocument,
    }),
    outboxes: [notifications.outbox],
  });
}

/** The consumer handler over the mocked clients, with the DynamoDB ledger. */
export function benchConsumerHandler(
  aws: MockedAws,
  senders: NotificationSenders,
): ConsumerHandler {
  return createConsumerHandler({
    router: notifications.router,
    queueSpec: notifications.queue,
    senders,
    deadLetters: sqsRecordDeadLetters(
      new SqsQueueSender({
        queueUrl: queueUrl(BENCH_RESOURCES.consumerDlqName),
        client: aws.consumerSqs,
      }),
    ),
    visibility: new SqsVisibilityChanger({
      queueUrl: queueUrl(BENCH_RESOURCES.queueName),
      client: aws.consumerSqs,
    }),
    ledger: {
      store: new DynamoDbLedger({
        tableName: BENCH_RESOURCES.ledgerTableName,
        client: aws.ledgerDynamoDb,
      }),
    },
  });
}

/** What one end-to-end pass did. */
export interface PipelineRun {
  readonly signups: number;
  readonly emailsSent: number;
  readonly calls: CallCounts;
  /** Per invocation (per signup for the producer), ms. */
  readonly durationsMs: { producer: number[]; relay: number[]; consumer: number[] };
  readonly invocations: { producer: number; relay: number; consumer: number };
  /** The items the producer's transactions wrote, for sizing write units. */
  readonly transactions: Record<string, unknown>[][];
  /** Body bytes of every SendMessageBatch the relay made, for SQS's 64 KB billing chunks. */
  readonly sendBatchPayloadBytes: number[];
}

/**
 * Runs `signups` registrations through the real producer, relay and consumer code over the
 * mocked clients: the producer handler (a direct invoke per signup) writes its transactions, the stream records DynamoDB would
 * emit for those items are handed to the relay handler in stream-sized batches, and the
 * messages the relay sent are handed to the consumer handler in SQS-sized batches.
 *
 * @throws BenchMeasurementError when a handler reports failures or an email is missing:
 *   call counts of a pipeline that did not deliver would mean nothing.
 */
export async function runPipeline(
  aws: MockedAws,
  senders: NotificationSenders,
  signups: number,
  sizes: BatchSizes = {},
): Promise<PipelineRun> {
  aws.resetHistory();
  const relay = benchRelayHandler(aws);
  const consumer = benchConsumerHandler(aws, senders);
  const producer = benchProducerHandler(aws);
  const durationsMs = { producer: [] as number[], relay: [] as number[], consumer: [] as number[] };

  for (let i = 0; i < signups; i++) {
    const started = performance.now();
    const result = await producer({ email: `user${i}@example.com`, name: `User ${i}` });
    durationsMs.producer.push(performance.now() - started);
    if (result.statusCode !== 201) {
      throw new BenchMeasurementError(`producer answered ${result.statusCode} to signup ${i}`);
    }
  }
  const transactions = aws.transactions();
  const records = streamRecordsFor(transactions.flat());
  for (const batch of chunk(records, sizes.stream ?? 100)) {
    const started = performance.now();
    const response = await relay({ Records: batch });
    durationsMs.relay.push(performance.now() - started);
    if (response.batchItemFailures.length > 0) {
      throw new BenchMeasurementError(
        `relay reported ${response.batchItemFailures.length} failed records of ${batch.length}`,
      );
    }
  }
  const relayed = aws.relayedMessages();
  const sendBatchPayloadBytes = chunk(relayed, 10).map((batch) =>
    batch.reduce((sum, m) => sum + Buffer.byteLength(m.entry.MessageBody ?? ''), 0),
  );
  for (const batch of chunk(
    relayed.map((m) => sqsRecordFor(m)),
    sizes.sqs ?? 10,
  )) {
    const started = performance.now();
    const response = await consumer({ Records: batch });
    durationsMs.consumer.push(performance.now() - started);
    if (response.batchItemFailures.length > 0) {
      throw new BenchMeasurementError(
        `consumer reported ${response.batchItemFailures.length} failed messages of ${batch.length}`,
      );
    }
  }
  const calls = aws.calls();
  const emailsSent = calls.sender.SendEmail ?? 0;
  if (emailsSent !== signups) {
    throw new BenchMeasurementError(
      `${signups} signups sent ${emailsSent} welcome emails, not ${signups}`,
    );
  }
  return {
    signups,
    emailsSent,
    calls,
    durationsMs,
    invocations: {
      producer: signups,
      relay: durationsMs.relay.length,
      consumer: durationsMs.consumer.length,
    },
    transactions,
    sendBatchPayloadBytes,
  };
}
