import {
  BatchProcessor,
  processPartialResponse,
  SqsFifoPartialProcessorAsync,
} from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { Env, Metrics as MetricName } from '../constants.ts';
import { describeError, isPermanentError, type TidingsError } from '../errors.ts';
import { type Clock, isUuid } from '../events/ids.ts';
import { queueMessageFromEnvelope } from '../events/queueMessageFromEnvelope.ts';
import { Header } from '../events/types.ts';
import {
  NotificationDeliveryError,
  type NotificationOutcomeLike,
} from '../notifications/errors.ts';
import type { NotificationRouter } from '../notifications/NotificationRouter.ts';
import { processNotificationMessage } from '../notifications/processNotificationMessage.ts';
import type { NotificationLedger, NotificationSenders } from '../notifications/types.ts';
import type { ValidateNotificationOptions } from '../notifications/validateNotification.ts';
import type { QueueSpec } from '../outbox/defineQueue.ts';
import type { VisibilityChanger } from '../queue/types.ts';
import { type DeadLetterSink, describeForDeadLetter, stringAttributesOf } from './deadLetter.ts';
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

/** The longest visibility timeout SQS accepts. */
const MAX_VISIBILITY_SECONDS = 43_200;

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
  const max = Math.min(options.maxSeconds ?? 900, MAX_VISIBILITY_SECONDS);
  const exponent = Math.max(0, Math.min(30, Math.floor(receiveCount) - 1));
  const delay = Math.min(max, base * 2 ** exponent);
  const jittered = Math.ceil(delay / 2 + (options.random ?? Math.random)() * (delay / 2));
  return Math.min(MAX_VISIBILITY_SECONDS, Math.max(jittered, options.retryAfterSeconds ?? 0));
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

/** Options of `consumeSqsRecords`. */
export type SqsConsumerOptions = SqsConsumerBaseOptions & UnmappedEventOptions;

/** The options of `consumeSqsRecords` other than `UnmappedEventOptions`. */
export interface SqsConsumerBaseOptions {
  /** The routing table (`notifications.router`). */
  readonly router: NotificationRouter;
  readonly senders: NotificationSenders;
  /**
   * Validates payloads per event type before routing (`notifications.queue`); a rejected
   * payload, or a type the spec lacks, is permanent.
   */
  readonly queueSpec: QueueSpec;
  /** Claims each notification before sending, so redeliveries do not send twice. */
  readonly ledger?: NotificationLedger;
  /** How long a ledger claim holds. @default 60_000 */
  readonly leaseMs?: number;
  readonly validation?: ValidateNotificationOptions;
  /** Backs a failed message off (SQS `ChangeMessageVisibility`, or a `MemoryQueue`). */
  readonly visibility: VisibilityChanger;
  /** Where permanent failures go, with the reason (the consumer DLQ). */
  readonly deadLetters: DeadLetterSink<SQSRecord>;
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
  readonly clock?: Clock;
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
 * Each record is parsed (CloudEvents envelope -> `QueueMessage`), validated with the queue's
 * schema, routed and sent with `processNotificationMessage`. Then, per record:
 * - success: done;
 * - permanent failure (bad envelope, invalid payload or notification, an event type with no
 *   mapper unless `skipUnmapped`, a provider refusal):
 *   sent to the dead-letter sink with the reason and reported done, so it leaves the queue
 *   at once; if the dead-letter send fails, it is reported failed, never dropped;
 * - transient failure (or an unknown error): its visibility is set to a backoff that grows
 *   with `ApproximateReceiveCount` (or to the provider's `retryAfterSeconds`, if longer) and
 *   it is reported failed, so only it is retried; on the queue's last receive
 *   (`maxReceiveCount`, when given) it is dead-lettered with its reason instead.
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
  const sent: Record<string, number> = {};
  const failedNotifications: FailedNotification[] = [];
  let deadLettered = 0;
  let retried = 0;
  let unmapped = 0;

  const count = (outcomes: readonly NotificationOutcomeLike[]) => {
    for (const outcome of outcomes) {
      if (outcome.status === 'sent') sent[outcome.kind] = (sent[outcome.kind] ?? 0) + 1;
      if (outcome.status === 'failed') {
        failedNotifications.push({
          channel: outcome.kind,
          permanent: isPermanentError(outcome.error),
        });
      }
    }
  };

  const backOff = async (record: SQSRecord, receiveCount: number, error: unknown) => {
    const seconds = visibilityBackoffSeconds(receiveCount, {
      ...options.backoff,
      ...(options.random ? { random: options.random } : {}),
      ...retryAfterOf(error),
    });
    try {
      await options.visibility.changeVisibility(record.receiptHandle, seconds);
    } catch (visibilityError) {
      // The message still comes back, after the queue's own visibility timeout.
      logger.warn('could not change message visibility', {
        messageId: record.messageId,
        seconds,
        error: describeError(visibilityError),
      });
    }
    return seconds;
  };

  const handleRecord = async (record: SQSRecord): Promise<void> => {
    const receiveCount = Number(record.attributes?.ApproximateReceiveCount) || 1;
    const queue = queueNameFromArn(record.eventSourceARN);
    const attributes = stringAttributesOf(record);
    const attributeEventId = attributes[Header.EVENT_ID];
    let eventId = isUuid(attributeEventId) ? attributeEventId.toLowerCase() : undefined;
    try {
      const message = queueMessageFromEnvelope({
        id: record.messageId,
        queue,
        body: record.body,
        attributes,
        receiveCount,
      });
      eventId = message.headers?.[Header.EVENT_ID] ?? eventId;
      const result = await processNotificationMessage(message, {
        router: options.router,
        senders: options.senders,
        queue: options.queueSpec,
        ...(options.ledger ? { ledger: options.ledger } : {}),
        ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
        skipUnmapped: options.skipUnmapped === true,
        ...(options.validation ? { validation: options.validation } : {}),
        ...(options.clock ? { clock: options.clock } : {}),
        onLedgerError: (error, notificationId, operation) =>
          logger.warn('ledger write failed after the send; a redelivery may send again', {
            notificationId,
            operation,
            error: describeError(error),
          }),
      });
      count(result.outcomes);
      if (result.unmapped) {
        unmapped++;
        logger.warn('no mapper for the event type; acknowledged unsent (skipUnmapped)', {
          eventId: result.event.eventId,
          eventType: result.event.eventType,
          messageId: record.messageId,
        });
        return;
      }
      logger.info('message processed', {
        eventId: result.event.eventId,
        eventType: result.event.eventType,
        messageId: record.messageId,
        dispatched: result.dispatched,
        skipped: result.skipped,
      });
    } catch (error) {
      if (error instanceof NotificationDeliveryError) count(error.outcomes);
      const base = {
        eventId,
        messageId: record.messageId,
        receiveCount,
        error: describeError(error),
      };
      const permanent = isPermanentError(error);
      const lastReceive =
        options.maxReceiveCount !== undefined && receiveCount >= options.maxReceiveCount;
      if (permanent || lastReceive) {
        const described = describeForDeadLetter(error);
        try {
          await options.deadLetters.deadLetter(record, {
            ...described,
            ...(permanent
              ? {}
              : {
                  reason: `${described.reason} (transient, retries exhausted: receive ${receiveCount} of maxReceiveCount ${options.maxReceiveCount})`,
                }),
            ...(eventId ? { eventId } : {}),
            receiveCount,
            queue,
          });
        } catch (deadLetterError) {
          const seconds = await backOff(record, receiveCount, undefined);
          logger.error('dead-lettering a failed message failed; retrying the message', {
            ...base,
            deadLetterError: describeError(deadLetterError),
            visibilitySeconds: seconds,
          });
          retried++;
          throw deadLetterError;
        }
        deadLettered++;
        logger.warn(
          permanent
            ? 'permanent failure; message sent to the dead-letter queue'
            : 'transient failure on the last receive; message sent to the dead-letter queue',
          base,
        );
        return;
      }
      const seconds = await backOff(record, receiveCount, error);
      retried++;
      logger.warn('transient failure; message will be retried', {
        ...base,
        visibilitySeconds: seconds,
      });
      throw error;
    }
  };

  const records = event.Records ?? [];
  const fifo = records.some((record) => record.eventSourceARN?.endsWith('.fifo'));
  const response = fifo
    ? await processPartialResponse(event, handleRecord, new SqsFifoPartialProcessorAsync(), {
        ...(options.context ? { context: options.context } : {}),
        skipGroupOnError: true,
        throwOnFullBatchFailure: false,
      })
    : await processPartialResponse(event, handleRecord, new BatchProcessor('SQS'), {
        ...(options.context ? { context: options.context } : {}),
        throwOnFullBatchFailure: false,
      });
  if (unmapped > 0 && options.skipUnmapped) {
    options.metrics.singleMetric().addMetric(MetricName.EVENTS_UNMAPPED, 'Count', unmapped);
  }
  return {
    response: { batchItemFailures: [...response.batchItemFailures] },
    sent,
    failedNotifications,
    deadLettered,
    retried,
    unmapped,
  };
}

/** The largest `maxReceiveCount` an SQS redrive policy accepts. */
const MAX_MAX_RECEIVE_COUNT = 1000;

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
  if (!/^\d+$/.test(raw.trim()) || value < 1 || value > MAX_MAX_RECEIVE_COUNT) {
    throw new TypeError(
      `environment variable ${Env.MAX_RECEIVE_COUNT} must be an integer from 1 to ${MAX_MAX_RECEIVE_COUNT}: ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/** The queue name of an SQS queue ARN (`arn:aws:sqs:<region>:<account>:<name>`). */
export function queueNameFromArn(arn: string | undefined): string {
  return arn?.split(':').at(-1) || 'unknown-queue';
}

/** The longest `retryAfterSeconds` any failure of `error` asked for, if any did. */
function retryAfterOf(error: unknown): { retryAfterSeconds?: number } {
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
  return longest === undefined ? {} : { retryAfterSeconds: longest };
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
