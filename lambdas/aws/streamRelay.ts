import type { Logger } from '@aws-lambda-powertools/logger';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { describeError } from '../errors.ts';
import { isUuid } from '../events/ids.ts';
import { committedPayloadCheck, type RelayedOutbox } from '../outbox/checkCommitted.ts';
import { fromOutboxItem, outboxKey, type StoredEvent } from '../outbox/outboxItem.ts';
import { type RelayEventsOptions, relayEvents } from '../outbox/relayEvents.ts';
import { OUTBOX_ITEM_KIND } from '../outbox/tableDefinition.ts';
import type { DeadLetterSink, OutboxItemKey, PendingOutbox, QueueSender } from '../ports.ts';
import { describeForDeadLetter } from './deadLetter.ts';
import { MissingSequenceNumberError, RelayQueueCallError } from './relayErrors.ts';

/** The logging the relay does: Powertools' `Logger` fits, and so does anything shaped like it. */
export type RelayLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

export type { RelayedOutbox } from '../outbox/checkCommitted.ts';

/** Options of `relayStreamRecords`. */
export interface StreamRelayOptions {
  /** Where events go: an `SqsQueueSender` on AWS, a `MemoryQueue` locally. */
  readonly queue: QueueSender;
  /** Where records that can never be relayed go, with the reason. */
  readonly deadLetters: DeadLetterSink<DynamoDBRecord>;
  /**
   * Relayed (and dead-lettered) outbox items are deleted from it, so the sparse pending
   * index only holds what the stream has not delivered and the sweeper finds just that. A
   * dead-lettered item that must be kept (its letter could not hold it whole, or its key is
   * not its event's) is set aside instead (`PendingOutbox.setAside`), so the sweeper does not
   * dead-letter it again. Without it, items stay until their TTL and the sweeper may relay
   * them again.
   */
  readonly outbox?: PendingOutbox;
  /**
   * Outboxes whose payloads are validated before relaying, matched by the item's `outbox`
   * name, each with the schema of the item's event type; items of other outboxes pass
   * through unvalidated. An item whose type an outbox with a schema map lacks is
   * dead-lettered as `UnknownEventTypeError`, naming the outbox, the type and the known types.
   */
  readonly outboxes: readonly RelayedOutbox[];
  /** Retry and backoff of `SendMessageBatch` within the invocation. */
  readonly relay?: RelayEventsOptions;
  /** @default silent */
  readonly logger?: RelayLogger;
}

/** What one invocation did, for metrics and logs; `response` is what Lambda gets back. */
export interface StreamRelayReport {
  readonly response: DynamoDBBatchResponse;
  /** Event ids the queue accepted. */
  readonly relayed: readonly string[];
  /** Records sent to the relay dead-letter queue. */
  readonly deadLettered: number;
  /** Records that are not outbox INSERTs, passed over as done. */
  readonly ignored: number;
  /** Records reported as batch item failures (Lambda retries from the lowest). */
  readonly failed: number;
}

const silent: RelayLogger = { info() {}, warn() {}, error() {} };

interface Unrelayable {
  readonly record: DynamoDBRecord;
  readonly reason: string;
  readonly errorName: string;
  readonly eventId: string | undefined;
}

/**
 * Relays the outbox INSERTs of one DynamoDB stream batch to the queue, and answers Lambda
 * with the sequence numbers of the records that did not make it.
 *
 * - Other records (MODIFY, REMOVE, non-outbox items) are done: nothing to relay.
 * - Records that can never be relayed (a corrupt item, a payload its outbox schema rejects,
 *   an event type its outbox has no schema for, a message over the size limit, an entry SQS
 *   refuses as malformed) go to the dead-letter sink with the reason, and the rest of the
 *   batch proceeds. If that send fails, the record is reported as failed instead.
 * - Sending reuses `relayEvents`: batches of 10 within the byte limit, per-entry retries
 *   with backoff. Entries still refused are reported as failed, never as relayed. A call
 *   SQS refuses as a whole is retried, never dead-lettered: it says nothing about any event.
 * - Relayed items are deleted from the outbox, and so are dead-lettered items whose letter
 *   holds the whole image and whose key is their event's; other dead-lettered items are kept
 *   and set aside (out of the pending index), so the sweeper does not dead-letter them again.
 *   A failed delete or set-aside is logged, not reported (the sweeper may then relay the
 *   event, or dead-letter the item, once more; consumers deduplicate by event id).
 *
 * Lambda retries a stream batch from the lowest reported sequence number, so records after
 * it are sent again; that is safe for the same reason.
 *
 * @throws MissingSequenceNumberError when a failed record has no sequence number to report:
 *   the whole batch is then retried rather than reported done.
 */
export async function relayStreamRecords(
  event: DynamoDBStreamEvent,
  options: StreamRelayOptions,
): Promise<StreamRelayReport> {
  const logger = options.logger ?? silent;
  const checkCommitted = committedPayloadCheck(options.outboxes);
  const records = event.Records ?? [];

  const toRelay: { record: DynamoDBRecord; stored: StoredEvent }[] = [];
  const unrelayable: Unrelayable[] = [];
  let ignored = 0;
  for (const record of records) {
    const image = record.dynamodb?.NewImage;
    if (record.eventName !== 'INSERT' || image?.kind?.S !== OUTBOX_ITEM_KIND) {
      ignored++;
      continue;
    }
    try {
      const stored = fromOutboxItem(unmarshall(image as Record<string, AttributeValue>));
      checkCommitted(stored);
      toRelay.push({ record, stored });
    } catch (error) {
      const eventId = image.eventId?.S;
      unrelayable.push({
        record,
        ...describeForDeadLetter(error),
        eventId: isUuid(eventId) ? eventId.toLowerCase() : undefined,
      });
    }
  }

  const failures = new Set<DynamoDBRecord>();
  const relayed = new Set<string>();
  if (toRelay.length > 0) {
    const report = await relayEvents(
      toRelay.map((entry) => entry.stored),
      guarded(options.queue),
      options.relay,
    );
    for (const eventId of report.sent) relayed.add(eventId);
    const failedById = new Map(report.failed.map((failure) => [failure.eventId, failure]));
    for (const { record, stored } of toRelay) {
      const { eventId } = stored.event;
      const failure = failedById.get(eventId);
      if (relayed.has(eventId)) continue;
      if (failure?.permanent) {
        unrelayable.push({ record, reason: failure.reason, errorName: 'MessageRefused', eventId });
      } else {
        logger.error('event not relayed; reporting it for retry', {
          eventId,
          reason: failure?.reason ?? 'not reported sent',
          sequenceNumber: record.dynamodb?.SequenceNumber,
        });
        failures.add(record);
      }
    }
  }

  const toDelete = new Set(relayed);
  const toSetAside: OutboxItemKey[] = [];
  let deadLettered = 0;
  for (const entry of unrelayable) {
    const { record } = entry;
    const sequenceNumber = record.dynamodb?.SequenceNumber;
    try {
      const receipt = await options.deadLetters.deadLetter(record, {
        reason: entry.reason,
        errorName: entry.errorName,
        ...(entry.eventId ? { eventId: entry.eventId } : {}),
        ...(sequenceNumber ? { sequenceNumber } : {}),
      });
      deadLettered++;
      logger.warn('record can never be relayed; sent to the dead-letter queue', {
        eventId: entry.eventId,
        sequenceNumber,
        reason: entry.reason,
      });
      if (receipt.complete && entry.eventId && ownsOutboxKey(record, entry.eventId)) {
        toDelete.add(entry.eventId);
      } else {
        const key = tableKeyOf(record);
        if (key) toSetAside.push(key);
      }
    } catch (error) {
      logger.error('dead-lettering an unrelayable record failed; reporting it for retry', {
        eventId: entry.eventId,
        sequenceNumber,
        reason: entry.reason,
        error: describeError(error),
      });
      failures.add(record);
    }
  }

  if (options.outbox && toDelete.size > 0) {
    try {
      await options.outbox.deleteRelayed([...toDelete]);
    } catch (error) {
      // The queue has these events; leaving the items only lets the sweeper relay them again.
      logger.warn('deleting relayed outbox items failed', {
        count: toDelete.size,
        error: describeError(error),
      });
    }
  }

  if (options.outbox && toSetAside.length > 0) {
    try {
      await options.outbox.setAside(toSetAside);
    } catch (error) {
      // The DLQ has these items; left pending, the sweeper only dead-letters them once more.
      logger.warn('setting aside dead-lettered outbox items failed', {
        keys: toSetAside.map((key) => key.pk),
        error: describeError(error),
      });
    }
  }

  const batchItemFailures = records
    .filter((record) => failures.has(record))
    .map((record) => {
      const itemIdentifier = record.dynamodb?.SequenceNumber;
      if (!itemIdentifier) throw new MissingSequenceNumberError(record.eventID);
      return { itemIdentifier };
    });
  logger.info('stream batch relayed', {
    records: records.length,
    relayed: relayed.size,
    deadLettered,
    ignored,
    failed: batchItemFailures.length,
  });
  return {
    response: { batchItemFailures },
    relayed: [...relayed],
    deadLettered,
    ignored,
    failed: batchItemFailures.length,
  };
}

/**
 * The queue with whole-call errors made transient: a refused call is retried and reported,
 * whatever its cause, so configuration errors never send good events to the dead-letter queue.
 */
function guarded(queue: QueueSender): QueueSender {
  return {
    fifo: queue.fifo,
    sendBatch: async (messages) => {
      try {
        return await queue.sendBatch(messages);
      } catch (error) {
        throw new RelayQueueCallError(messages.length, error);
      }
    },
  };
}

/**
 * Whether deleting the outbox item of `eventId` removes this record's item: only then may a
 * dead-lettered item be deleted (by event id), and only if its letter holds it whole.
 */
function ownsOutboxKey(record: DynamoDBRecord, eventId: string): boolean {
  const key = outboxKey(eventId);
  const keys = record.dynamodb?.Keys;
  return keys?.pk?.S === key.pk && keys?.sk?.S === key.sk;
}

/** The table key of a stream record's item, when it has string `pk` and `sk`. */
function tableKeyOf(record: DynamoDBRecord): OutboxItemKey | undefined {
  const keys = record.dynamodb?.Keys;
  const pk = keys?.pk?.S;
  const sk = keys?.sk?.S;
  return pk !== undefined && sk !== undefined ? { pk, sk } : undefined;
}
