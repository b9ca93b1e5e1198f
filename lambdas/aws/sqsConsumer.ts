import {
  BatchProcessor,
  processPartialResponse,
  SqsFifoPartialProcessorAsync,
} from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { Env, MetricName } from '../constants.ts';
import { describeError, isPermanentError, type TidingsError } from '../errors.ts';
import { parseCloudEvent } from '../events/envelope.ts';
import { isUuid } from '../events/ids.ts';
import { Header, type IntegrationEvent } from '../events/types.ts';
import { maskEmails } from '../maskEmail.ts';
import {
  NotificationDeliveryError,
  type NotificationOutcomeLike,
} from '../notifications/errors.ts';
import {
  type LedgerOptions,
  type ProcessNotificationOptions,
  type ProcessResult,
  processNotificationEvent,
} from '../notifications/processNotificationMessage.ts';
import type { QueueSpec } from '../outbox/defineQueue.ts';
import type { DeadLetterInfo, DeadLetterSink } from '../ports.ts';
import { MAX_RECEIVE_COUNT, MAX_VISIBILITY_TIMEOUT_SECONDS } from '../queue/sqsLimits.ts';
import type { VisibilityChanger } from '../queue/types.ts';
import { describeForDeadLetter } from './deadLetter.ts';
import { SqsRequestError } from './relayErrors.ts';
import { defaultSqsClient, queueNameFromUrl } from './SqsQueueSender.ts';

/** The logging the consumer does: Powertools' `Logger` fits. */
export type ConsumerLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

/** Where the consumer emits metrics of its own: Powertools' `Metrics` fits. */
export type ConsumerMetrics = Pick<Metrics, 'singleMetric'>;

/** How long a failed message stays invisible before its next attempt. */
export interface VisibilityBackoffOptions {
  /** The delay after the first failed delivery, before jitter. @default 10 */
  readonly baseSeconds?: number;
  /** The most the delay grows to (SQS allows up to 43200). @default 900 */
  readonly maxSeconds?: number;
}

/**
 * The visibility timeout for a message that failed on its `receiveCount`-th delivery: it
 * doubles per delivery up to `maxSeconds`, with "equal jitter" (between half and all of the
 * delay) so messages that failed together spread out while the delay still grows. A
 * provider's `retryAfterSeconds` wins when it is longer.
 */
export function visibilityBackoffSeconds(
  receiveCount: number,
  options: VisibilityBackoffOptions & { random?: () => number; retryAfterSeconds?: number } = {},
): number {
  const base = options.baseSeconds ?? 10;
  const max = Math.min(options.maxSeconds ?? 900, MAX_VISIBILITY_TIMEOUT_SECONDS);
  const exponent = Math.max(0, Math.min(30, Math.floor(receiveCount) - 1));
  const delay = Math.min(max, base * 2 ** exponent);
  const jittered = Math.ceil(delay / 2 + (options.random ?? Math.random)() * (delay / 2));
  return Math.min(
    MAX_VISIBILITY_TIMEOUT_SECONDS,
    Math.max(jittered, options.retryAfterSeconds ?? 0),
  );
}

/**
 * What happens to an event whose type has no mapper. By default it is a permanent failure:
 * the message goes to the dead-letter sink as `UnmappedEventTypeError`. `skipUnmapped: true`
 * acknowledges it unsent instead, for consumers sharing a queue with types they ignore on
 * purpose; each one is then logged as a warning and counted as `EventsUnmapped` on `metrics`,
 * which is why that option needs them. (Registering a mapper that returns `[]` ignores one
 * type explicitly, with neither.)
 */
export type UnmappedEventOptions =
  | { readonly skipUnmapped?: false; readonly metrics?: never }
  | { readonly skipUnmapped: true; readonly metrics: ConsumerMetrics };

/** How a message that failed transiently is retried. */
export interface ConsumerRetryOptions {
  /** How long it stays invisible before its next attempt. */
  readonly backoff?: VisibilityBackoffOptions;
  /**
   * The `maxReceiveCount` of the queue's redrive policy. A transient failure on that receive,
   * the last one SQS delivers, is dead-lettered here with its reason, instead of being left
   * for the redrive policy, which moves the message on the next receive without any.
   * @default unknown: transient failures are always retried
   */
  readonly maxReceiveCount?: number;
  /** Jitter source in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/** Options of `consumeSqsRecords`. */
export type SqsConsumerOptions = SqsConsumerBaseOptions & UnmappedEventOptions;

/**
 * The options of `consumeSqsRecords` other than `UnmappedEventOptions`: those of
 * `processNotificationEvent`, which each record is handed on with, and the queue's own.
 */
export interface SqsConsumerBaseOptions extends Omit<ProcessNotificationOptions, 'skipUnmapped'> {
  /**
   * Validates payloads per event type before routing (`notifications.queue`); a rejected
   * payload, or a type the spec lacks, is permanent.
   */
  readonly queueSpec: QueueSpec;
  /**
   * Claims each notification before sending, so redeliveries do not send twice.
   * `onError` defaults to a warning on `logger`.
   */
  readonly ledger?: LedgerOptions;
  /** Backs a failed message off (SQS `ChangeMessageVisibility`, or a `MemoryQueue`). */
  readonly visibility: VisibilityChanger;
  /** Where permanent failures go, with the reason (the consumer DLQ). */
  readonly deadLetters: DeadLetterSink<SQSRecord>;
  /** @default backoff from 10 s to 900 s, `maxReceiveCount` unknown, `Math.random` jitter */
  readonly retry?: ConsumerRetryOptions;
  /** Handed to the record handlers. */
  readonly context?: Context;
  /** @default silent */
  readonly logger?: ConsumerLogger;
}

/** One notification that failed, for metrics. */
export interface FailedNotification {
  readonly channel: string;
  readonly permanent: boolean;
}

/** What one invocation did, for metrics and logs; `response` is what Lambda gets back. */
export interface ConsumeReport {
  readonly response: SQSBatchResponse;
  /** Notifications sent, per channel (`email`, `push`, `webhook`). */
  readonly sent: Readonly<Record<string, number>>;
  readonly failedNotifications: readonly FailedNotification[];
  /** Messages sent to the dead-letter queue (and so done with). */
  readonly deadLettered: number;
  /** Messages left for a retry (reported in `batchItemFailures`). */
  readonly retried: number;
  /** Messages acknowledged unsent because no mapper takes their type (`skipUnmapped`). */
  readonly unmapped: number;
}

const silent: ConsumerLogger = { info() {}, warn() {}, error() {} };

/**
 * Processes an SQS batch of relayed events and answers Lambda with the messages to retry.
 *
 * Each record's CloudEvents envelope is parsed into its event, which
 * `processNotificationEvent` validates with the queue's schema, routes and sends. Then, per
 * record:
 * - success: done;
 * - permanent failure (bad envelope, invalid payload or notification, an event type with no
 *   mapper unless `skipUnmapped`, a provider refusal):
 *   sent to the dead-letter sink with the reason and reported done, so it leaves the queue
 *   at once; if the dead-letter send fails, it is reported failed, never dropped;
 * - transient failure (or an unknown error): its visibility is set to a backoff that grows
 *   with `ApproximateReceiveCount` (or to the provider's `retryAfterSeconds`, if longer) and
 *   it is reported failed, so only it is retried; on the queue's last receive
 *   (`retry.maxReceiveCount`, when given) it is dead-lettered with its reason instead.
 *
 * Records of a standard queue run in parallel (Powertools' `BatchProcessor`); on a FIFO
 * queue (`.fifo` source) they run in order, and after a failure the rest of that message
 * group is reported failed unprocessed, to keep the group's order
 * (`SqsFifoPartialProcessorAsync` with `skipGroupOnError`).
 */
export async function consumeSqsRecords(
  event: SQSEvent,
  options: SqsConsumerOptions,
): Promise<ConsumeReport> {
  const logger = options.logger ?? silent;
  const batch: Batch = {
    options,
    logger,
    processing: processingOptions(options, logger),
    tally: new BatchTally(),
  };
  const handler = (record: SQSRecord) => handleRecord(record, batch);
  const response = await processBatch(event, handler, options.context);
  const { tally } = batch;
  if (tally.unmapped > 0 && options.skipUnmapped) {
    options.metrics.singleMetric().addMetric(MetricName.EVENTS_UNMAPPED, 'Count', tally.unmapped);
  }
  return {
    response: { batchItemFailures: [...response.batchItemFailures] },
    sent: tally.sent,
    failedNotifications: tally.failedNotifications,
    deadLettered: tally.deadLettered,
    retried: tally.retried,
    unmapped: tally.unmapped,
  };
}

/** One batch being consumed: its options, and what its records have come to so far. */
interface Batch {
  readonly options: SqsConsumerOptions;
  readonly logger: ConsumerLogger;
  /** What each record's event is processed with. */
  readonly processing: ProcessNotificationOptions;
  readonly tally: BatchTally;
}

/** The counts `ConsumeReport` carries, kept as the batch's records settle. */
class BatchTally {
  readonly sent: Record<string, number> = {};
  readonly failedNotifications: FailedNotification[] = [];
  deadLettered = 0;
  retried = 0;
  unmapped = 0;

  /** Counts the notifications of one record sent and failed. */
  count(outcomes: readonly NotificationOutcomeLike[]): void {
    for (const outcome of outcomes) {
      if (outcome.status === 'sent') this.sent[outcome.kind] = (this.sent[outcome.kind] ?? 0) + 1;
      if (outcome.status === 'failed') {
        this.failedNotifications.push({
          channel: outcome.kind,
          permanent: isPermanentError(outcome.error),
        });
      }
    }
  }
}

/**
 * The consumer's options as `processNotificationEvent` takes them: an unmapped type is a
 * failure unless `skipUnmapped` says otherwise, and a failed ledger write is logged unless
 * the ledger's `onError` is given.
 */
function processingOptions(
  options: SqsConsumerOptions,
  logger: ConsumerLogger,
): ProcessNotificationOptions {
  const { ledger } = options;
  const warn: LedgerOptions['onError'] = (error, notificationId, operation, attempts) =>
    logger.warn('ledger write failed after the send; a redelivery may send again', {
      notificationId,
      operation,
      attempts,
      error: maskEmails(describeError(error)),
    });
  return {
    ...options,
    skipUnmapped: options.skipUnmapped === true,
    ledger: ledger && { ...ledger, onError: ledger.onError ?? warn },
  };
}

/**
 * Runs `handler` over the batch's records: in parallel on a standard queue; in order on a
 * FIFO queue, where a failure holds back the rest of its message group.
 */
function processBatch(
  event: SQSEvent,
  handler: (record: SQSRecord) => Promise<void>,
  context: Context | undefined,
): Promise<SQSBatchResponse> {
  const fifo = (event.Records ?? []).some((record) => record.eventSourceARN?.endsWith('.fifo'));
  return fifo
    ? processPartialResponse(event, handler, new SqsFifoPartialProcessorAsync(), {
        context,
        skipGroupOnError: true,
        throwOnFullBatchFailure: false,
      })
    : processPartialResponse(event, handler, new BatchProcessor('SQS'), {
        context,
        throwOnFullBatchFailure: false,
      });
}

/**
 * Consumes one record: parses its envelope, processes the event, and settles the outcome.
 * @throws the failure, for Powertools to report the record failed, when it is left for a retry.
 */
async function handleRecord(record: SQSRecord, batch: Batch): Promise<void> {
  let eventId: string | undefined;
  try {
    const event = eventOf(record);
    eventId = event.eventId;
    settleSuccess(record, await processNotificationEvent(event, batch.processing), batch);
  } catch (error) {
    if (error instanceof NotificationDeliveryError) batch.tally.count(error.outcomes);
    const failure: RecordFailure = {
      error,
      // An envelope that did not parse names no event; the relay's attribute may.
      eventId: eventId ?? eventIdAttributeOf(record),
      receiveCount: Number(record.attributes?.ApproximateReceiveCount) || 1,
    };
    if ((await settleFailure(record, failure, batch)) === 'retry') throw error;
  }
}

/** The event a record carries: its CloudEvents envelope, parsed once. */
function eventOf(record: SQSRecord): IntegrationEvent {
  const { source: _source, ...event } = parseCloudEvent(record.body);
  return event;
}

/** The record's `eventId` attribute, when it is a UUID. */
function eventIdAttributeOf(record: SQSRecord): string | undefined {
  const value = record.messageAttributes?.[Header.EVENT_ID]?.stringValue;
  return isUuid(value) ? value.toLowerCase() : undefined;
}

/** Counts and logs a record whose event was processed, or acknowledged unmapped. */
function settleSuccess(record: SQSRecord, result: ProcessResult, batch: Batch): void {
  batch.tally.count(result.outcomes);
  const fields = {
    eventId: result.event.eventId,
    eventType: result.event.eventType,
    messageId: record.messageId,
  };
  if (result.unmapped) {
    batch.tally.unmapped++;
    batch.logger.warn('no mapper for the event type; acknowledged unsent (skipUnmapped)', fields);
    return;
  }
  batch.logger.info('message processed', {
    ...fields,
    dispatched: result.dispatched,
    skipped: result.skipped,
  });
}

/** Why and when a record failed. */
interface RecordFailure {
  readonly error: unknown;
  readonly eventId: string | undefined;
  readonly receiveCount: number;
}

/**
 * Settles a record whose processing failed. A permanent failure, or a transient one on the
 * queue's last receive, is dead-lettered with its reason; any other failure, and one whose
 * dead letter could not be sent, is backed off and left for a retry.
 */
async function settleFailure(
  record: SQSRecord,
  failure: RecordFailure,
  batch: Batch,
): Promise<'dead-lettered' | 'retry'> {
  const { error, eventId, receiveCount } = failure;
  const { logger, tally } = batch;
  // A provider's error text may quote the recipient (SES names the address it refused): logs
  // get it masked, the dead letter keeps it whole beside the message it belongs to.
  const fields = {
    eventId,
    messageId: record.messageId,
    receiveCount,
    error: maskEmails(describeError(error)),
  };
  const permanent = isPermanentError(error);
  const maxReceiveCount = batch.options.retry?.maxReceiveCount;
  const lastReceive = maxReceiveCount !== undefined && receiveCount >= maxReceiveCount;
  if (permanent || lastReceive) {
    try {
      await batch.options.deadLetters.deadLetter(record, deadLetterInfo(record, failure, batch));
    } catch (deadLetterError) {
      const seconds = await backOff(record, receiveCount, undefined, batch);
      logger.error('dead-lettering a failed message failed; retrying the message', {
        ...fields,
        deadLetterError: maskEmails(describeError(deadLetterError)),
        visibilitySeconds: seconds,
      });
      tally.retried++;
      return 'retry';
    }
    tally.deadLettered++;
    logger.warn(
      permanent
        ? 'permanent failure; message sent to the dead-letter queue'
        : 'transient failure on the last receive; message sent to the dead-letter queue',
      fields,
    );
    return 'dead-lettered';
  }
  const seconds = await backOff(record, receiveCount, error, batch);
  tally.retried++;
  logger.warn('transient failure; message will be retried', {
    ...fields,
    visibilitySeconds: seconds,
  });
  return 'retry';
}

/** Why a failed record is dead-lettered; a transient failure says its retries ran out. */
function deadLetterInfo(record: SQSRecord, failure: RecordFailure, batch: Batch): DeadLetterInfo {
  const { error, eventId, receiveCount } = failure;
  const described = describeForDeadLetter(error);
  const reason = isPermanentError(error)
    ? described.reason
    : `${described.reason} (transient, retries exhausted: receive ${receiveCount} of maxReceiveCount ${batch.options.retry?.maxReceiveCount})`;
  return {
    ...described,
    reason,
    eventId,
    receiveCount,
    queue: queueNameFromArn(record.eventSourceARN),
  };
}

/**
 * Makes a failed record invisible for its backoff (see `visibilityBackoffSeconds`), or for
 * the longest `retryAfterSeconds` the failure asked for.
 * @returns the seconds asked for.
 */
async function backOff(
  record: SQSRecord,
  receiveCount: number,
  error: unknown,
  batch: Batch,
): Promise<number> {
  const { retry } = batch.options;
  const seconds = visibilityBackoffSeconds(receiveCount, {
    ...retry?.backoff,
    random: retry?.random,
    retryAfterSeconds: retryAfterOf(error),
  });
  try {
    await batch.options.visibility.changeVisibility(record.receiptHandle, seconds);
  } catch (visibilityError) {
    // The message still comes back, after the queue's own visibility timeout.
    batch.logger.warn('could not change message visibility', {
      messageId: record.messageId,
      seconds,
      error: maskEmails(describeError(visibilityError)),
    });
  }
  return seconds;
}

/** The largest `maxReceiveCount` an SQS redrive policy accepts. */

/**
 * The queue's `maxReceiveCount` from `TIDINGS_MAX_RECEIVE_COUNT`, as the CDK construct sets it
 * from the queue's redrive policy; `undefined` when the variable is unset.
 * @throws TypeError naming the variable when it is not an integer from 1 to 1000.
 */
export function maxReceiveCountFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): number | undefined {
  const raw = env[Env.MAX_RECEIVE_COUNT];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value < 1 || value > MAX_RECEIVE_COUNT) {
    throw new TypeError(
      `environment variable ${Env.MAX_RECEIVE_COUNT} must be an integer from 1 to ${MAX_RECEIVE_COUNT}: ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/** The queue name of an SQS queue ARN (`arn:aws:sqs:<region>:<account>:<name>`). */
export function queueNameFromArn(arn: string | undefined): string {
  return arn?.split(':').at(-1) || 'unknown-queue';
}

/** The longest `retryAfterSeconds` any failure of `error` asked for, if any did. */
function retryAfterOf(error: unknown): number | undefined {
  const errors: unknown[] =
    error instanceof NotificationDeliveryError
      ? error.outcomes.map((outcome) => outcome.error)
      : [error];
  let longest: number | undefined;
  for (let current of errors) {
    // Follow the cause chain: a sender may wrap the provider's error.
    for (let depth = 0; current instanceof Error && depth < 5; depth++) {
      const value = (current as TidingsError & { retryAfterSeconds?: unknown }).retryAfterSeconds;
      if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
        longest = Math.max(longest ?? 0, Math.ceil(value));
      }
      current = current.cause;
    }
  }
  return longest;
}

/** Options of `SqsVisibilityChanger`. */
export interface SqsVisibilityChangerOptions {
  /** The URL of the queue the messages were received from. */
  readonly queueUrl: string;
  /** @default the module's shared `SQSClient` */
  readonly client?: SQSClient;
}

/** A `VisibilityChanger` over SQS `ChangeMessageVisibility`, for the consumer's backoff. */
export class SqsVisibilityChanger implements VisibilityChanger {
  readonly #queueUrl: string;
  /** The shared client is built on the first change: a batch with no failure needs none. */
  readonly #client: SQSClient | undefined;

  constructor(options: SqsVisibilityChangerOptions) {
    this.#queueUrl = options.queueUrl;
    this.#client = options.client;
  }

  /** @throws SqsRequestError when SQS refuses the change (e.g. a stale receipt handle). */
  async changeVisibility(receiptHandle: string, seconds: number): Promise<void> {
    try {
      await (this.#client ?? defaultSqsClient()).send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.#queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    } catch (error) {
      throw new SqsRequestError(queueNameFromUrl(this.#queueUrl), 'ChangeMessageVisibility', error);
    }
  }
}

/**
 * The URL of an SQS queue from its ARN, in the standard endpoint form. For when the consumer
 * is not told its queue URL: the records carry only the ARN.
 */
export function queueUrlFromArn(arn: string): string {
  const [, partition, service, region, account, name] = arn.split(':');
  if (service !== 'sqs' || !region || !account || !name) {
    throw new TypeError(`not an SQS queue ARN: ${JSON.stringify(arn)}`);
  }
  const domain = partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://sqs.${region}.${domain}/${account}/${name}`;
}
