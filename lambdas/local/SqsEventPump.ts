import { createHash, randomUUID } from 'node:crypto';
import type {
  Context,
  SQSBatchResponse,
  SQSEvent,
  SQSMessageAttributes,
  SQSRecord,
} from 'aws-lambda';
import { ReceiptHandleInvalidError } from '../queue/errors.ts';
import type { MemoryQueue, ReceivedMessage } from '../queue/MemoryQueue.ts';

/** A Lambda handler for SQS events, with or without partial batch responses. */
export type SqsEventHandler = (
  event: SQSEvent,
  context: Context,
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler typed `Promise<void>` (no partial batch response) must be accepted, as aws-lambda's `SQSHandler` accepts it.
) => Promise<SQSBatchResponse | undefined | void>;

/** Options of `SqsEventPump`. */
export interface SqsEventPumpOptions {
  /**
   * Most messages per invocation (1-10000; 1-10 on a FIFO queue), like the event source
   * mapping's `BatchSize`. @default 10
   */
  readonly batchSize?: number;
  /** Visibility timeout of the receives. @default the queue's */
  readonly visibilityTimeoutSeconds?: number;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default `arn:aws:sqs:<region>:000000000000:<queue name>` */
  readonly queueArn?: string;
  /** Name of the function in the invocation context. @default 'tidings-local-consumer' */
  readonly functionName?: string;
  /** What `context.getRemainingTimeInMillis()` counts down from. @default 30000 */
  readonly timeoutMs?: number;
  /** The `SenderId` attribute of the records. @default 'AIDALOCALTIDINGSSENDER' */
  readonly senderId?: string;
  /** Invocation request ids. @default crypto.randomUUID */
  readonly newId?: () => string;
}

/** What one invocation did. */
export interface PumpResult {
  /** Messages handed to the handler. */
  readonly received: number;
  /** Messages acknowledged (deleted from the queue). */
  readonly succeeded: number;
  /** Messages left on the queue to be retried after their visibility timeout. */
  readonly failed: number;
  readonly failedMessageIds: readonly string[];
  /**
   * Why the whole batch failed, when it did: what the handler threw, or a `TypeError` naming
   * the malformed part of its batch response.
   */
  readonly batchError?: unknown;
}

/** What `drain` did, summed over its invocations. */
export interface DrainResult {
  /** Handler invocations. */
  readonly rounds: number;
  readonly received: number;
  readonly succeeded: number;
  readonly failed: number;
  /** True when the queue ended empty (dead letters aside). */
  readonly drained: boolean;
}

const DEFAULT_ACCOUNT = '000000000000';
const MAX_STANDARD_BATCH_SIZE = 10_000;
const MAX_FIFO_BATCH_SIZE = 10;
const RECEIVE_MAX = 10;

/**
 * Stands in for the Lambda SQS event source mapping in local runs and tests: it receives
 * from a `MemoryQueue`, invokes the handler with a real-shaped `SQSEvent`, and settles the
 * batch as Lambda does with `ReportBatchItemFailures`: messages named in
 * `batchItemFailures` stay on the queue and come back after their visibility timeout (or
 * whatever visibility the handler set through `queue.visibilityChanger()`), the others are
 * deleted; a handler that throws, or a response naming an id that is not in the batch (or an
 * empty or missing one), leaves the whole batch on the queue.
 *
 * @example
 * const pump = new SqsEventPump(queue, handler);
 * await pump.drain({ maxRounds: 50, advance: (ms) => { now += ms; } });
 */
export class SqsEventPump {
  readonly queue: MemoryQueue;
  readonly #handler: SqsEventHandler;
  readonly #batchSize: number;
  readonly #visibilityTimeoutSeconds: number | undefined;
  readonly #region: string;
  readonly #queueArn: string;
  readonly #functionName: string;
  readonly #timeoutMs: number;
  readonly #senderId: string;
  readonly #newId: () => string;

  constructor(queue: MemoryQueue, handler: SqsEventHandler, options: SqsEventPumpOptions = {}) {
    this.queue = queue;
    this.#handler = handler;
    this.#batchSize = options.batchSize ?? 10;
    const maxBatch = queue.fifo ? MAX_FIFO_BATCH_SIZE : MAX_STANDARD_BATCH_SIZE;
    if (!Number.isInteger(this.#batchSize) || this.#batchSize < 1 || this.#batchSize > maxBatch) {
      throw new TypeError(
        `batchSize must be an integer from 1 to ${maxBatch} on queue "${queue.name}": ${this.#batchSize}`,
      );
    }
    this.#visibilityTimeoutSeconds = options.visibilityTimeoutSeconds;
    this.#region = options.region ?? 'us-east-1';
    this.#queueArn =
      options.queueArn ?? `arn:aws:sqs:${this.#region}:${DEFAULT_ACCOUNT}:${queue.name}`;
    this.#functionName = options.functionName ?? 'tidings-local-consumer';
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#senderId = options.senderId ?? 'AIDALOCALTIDINGSSENDER';
    this.#newId = options.newId ?? randomUUID;
  }

  /** Receives up to `batchSize` messages and, if there are any, invokes the handler once. */
  async pumpOnce(): Promise<PumpResult> {
    const messages = this.#receiveBatch();
    if (messages.length === 0) {
      return { received: 0, succeeded: 0, failed: 0, failedMessageIds: [] };
    }
    const event: SQSEvent = {
      Records: messages.map((message) =>
        toSqsRecord(message, {
          queueArn: this.#queueArn,
          region: this.#region,
          senderId: this.#senderId,
        }),
      ),
    };
    const allFailed = (batchError: unknown): PumpResult => ({
      received: messages.length,
      succeeded: 0,
      failed: messages.length,
      failedMessageIds: messages.map((m) => m.messageId),
      batchError,
    });

    let response: unknown;
    try {
      response = await this.#handler(event, this.#context());
    } catch (error) {
      return allFailed(error);
    }
    const failures = failedMessageIds(
      response,
      messages.map((m) => m.messageId),
    );
    if (failures instanceof Error) return allFailed(failures);

    let succeeded = 0;
    for (const message of messages) {
      if (failures.has(message.messageId)) continue;
      try {
        this.queue.ack(message.receiptHandle);
      } catch (error) {
        // The handler already deleted or dead-lettered it; deleting is then a no-op.
        if (!(error instanceof ReceiptHandleInvalidError)) throw error;
      }
      succeeded++;
    }
    return {
      received: messages.length,
      succeeded,
      failed: failures.size,
      failedMessageIds: [...failures],
    };
  }

  /**
   * Invokes the handler until the queue is empty or `maxRounds` invocations have run. When
   * nothing is visible but messages are in flight or delayed, it calls `advance(ms)` with
   * the time until the next one becomes visible (the caller moves its fake clock), or stops
   * if no `advance` was given.
   * @throws Error when `advance` did not move the queue's clock forward.
   */
  async drain(
    options: { maxRounds?: number; advance?: (ms: number) => void | Promise<void> } = {},
  ): Promise<DrainResult> {
    const maxRounds = options.maxRounds ?? 100;
    if (!Number.isInteger(maxRounds) || maxRounds < 1) {
      throw new RangeError(`maxRounds must be a positive integer: ${maxRounds}`);
    }
    let rounds = 0;
    let received = 0;
    let succeeded = 0;
    let failed = 0;
    while (rounds < maxRounds && !this.queue.isEmpty()) {
      const result = await this.pumpOnce();
      if (result.received > 0) {
        rounds++;
        received += result.received;
        succeeded += result.succeeded;
        failed += result.failed;
        continue;
      }
      const wait = this.queue.msUntilNextVisible();
      if (wait === undefined || !options.advance) break;
      const before = this.queue.now();
      await options.advance(wait);
      if (this.queue.now() < before + wait) {
        throw new Error(
          `advance(${wait}) did not move the clock of queue "${this.queue.name}" forward by ${wait} ms`,
        );
      }
    }
    return { rounds, received, succeeded, failed, drained: this.queue.isEmpty() };
  }

  #receiveBatch(): ReceivedMessage[] {
    const batch: ReceivedMessage[] = [];
    while (batch.length < this.#batchSize) {
      const got = this.queue.receive({
        max: Math.min(RECEIVE_MAX, this.#batchSize - batch.length),
        ...(this.#visibilityTimeoutSeconds === undefined
          ? {}
          : { visibilityTimeoutSeconds: this.#visibilityTimeoutSeconds }),
      });
      if (got.length === 0) break;
      batch.push(...got);
    }
    return batch;
  }

  #context(): Context {
    const deadline = this.queue.now() + this.#timeoutMs;
    const account = this.#queueArn.split(':')[4] || DEFAULT_ACCOUNT;
    const unsupported = (): never => {
      throw new Error('done/fail/succeed are not supported: return a promise from the handler');
    };
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName: this.#functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${this.#region}:${account}:function:${this.#functionName}`,
      memoryLimitInMB: '128',
      awsRequestId: this.#newId(),
      logGroupName: `/aws/lambda/${this.#functionName}`,
      logStreamName: 'local',
      getRemainingTimeInMillis: () => Math.max(0, deadline - this.queue.now()),
      done: unsupported,
      fail: unsupported,
      succeed: unsupported,
    };
  }
}

/**
 * The ids a batch response marks as failed, or a `TypeError` when Lambda would fail the
 * whole batch: a `batchItemFailures` that is not a list, or an entry whose `itemIdentifier`
 * is missing, empty or not a message id of the batch. A missing response or a missing or
 * empty list means every message succeeded.
 */
export function failedMessageIds(
  response: unknown,
  batchMessageIds: readonly string[],
): Set<string> | TypeError {
  const failed = new Set<string>();
  if (response === undefined || response === null) return failed;
  if (typeof response !== 'object') {
    return new TypeError(`batch response must be an object: ${JSON.stringify(response)}`);
  }
  const items = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (items === undefined || items === null) return failed;
  if (!Array.isArray(items)) {
    return new TypeError(`batchItemFailures must be a list: ${JSON.stringify(items)}`);
  }
  const known = new Set(batchMessageIds);
  for (const item of items as unknown[]) {
    const id =
      typeof item === 'object' && item !== null
        ? (item as { itemIdentifier?: unknown }).itemIdentifier
        : undefined;
    if (typeof id !== 'string' || !known.has(id)) {
      return new TypeError(
        `batch item failure ${JSON.stringify(item)} does not name a message of the batch`,
      );
    }
    failed.add(id);
  }
  return failed;
}

/** Where a record says it came from. */
export interface SqsRecordSource {
  readonly queueArn: string;
  readonly region: string;
  /** @default 'AIDALOCALTIDINGSSENDER' */
  readonly senderId?: string;
}

/** The Lambda `SQSRecord` for one delivery of a `MemoryQueue` message. */
export function toSqsRecord(message: ReceivedMessage, source: SqsRecordSource): SQSRecord {
  const hasAttributes = Object.keys(message.attributes).length > 0;
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle,
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAt),
      SenderId: source.senderId ?? 'AIDALOCALTIDINGSSENDER',
      ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt),
      ...(message.sequenceNumber === undefined ? {} : { SequenceNumber: message.sequenceNumber }),
      ...(message.groupId === undefined ? {} : { MessageGroupId: message.groupId }),
      ...(message.deduplicationId === undefined
        ? {}
        : { MessageDeduplicationId: message.deduplicationId }),
    },
    messageAttributes: toSqsMessageAttributes(message.attributes),
    md5OfBody: createHash('md5').update(message.body, 'utf8').digest('hex'),
    ...(hasAttributes
      ? { md5OfMessageAttributes: md5OfMessageAttributes(message.attributes) }
      : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: source.queueArn,
    awsRegion: source.region,
  };
}

/** String attributes in the shape Lambda puts them on an SQS record. */
export function toSqsMessageAttributes(
  attributes: Readonly<Record<string, string>>,
): SQSMessageAttributes {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      { stringValue: value, stringListValues: [], binaryListValues: [], dataType: 'String' },
    ]),
  );
}

/**
 * The MD5 SQS reports for string message attributes: over the attributes sorted by name,
 * each encoded as length-prefixed name, length-prefixed data type, a transport byte (1 for
 * strings) and length-prefixed value, lengths as 4-byte big-endian integers.
 */
export function md5OfMessageAttributes(attributes: Readonly<Record<string, string>>): string {
  const hash = createHash('md5');
  const lengthPrefixed = (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length);
    hash.update(bytes);
  };
  const names = Object.keys(attributes).sort();
  for (const name of names) {
    lengthPrefixed(name);
    lengthPrefixed('String');
    hash.update(Buffer.from([1]));
    lengthPrefixed(attributes[name] ?? '');
  }
  return hash.digest('hex');
}
