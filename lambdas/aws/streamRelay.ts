import type { Logger } from '@aws-lambda-powertools/logger';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { describeError } from '../errors.ts';
import { maskEmails } from '../maskEmail.ts';
import type { RelayedOutbox } from '../outbox/checkCommitted.ts';
import { type RelayBatchReport, type RelayItem, relayBatch } from '../outbox/relayBatch.ts';
import type { RelayEventsOptions } from '../outbox/relayEvents.ts';
import { OUTBOX_ITEM_KIND } from '../outbox/tableDefinition.ts';
import type { DeadLetterSink, OutboxItemKey, PendingOutbox, QueueSender } from '../ports.ts';
import { MissingSequenceNumberError } from './relayErrors.ts';

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

/**
 * Relays the outbox INSERTs of one DynamoDB stream batch to the queue with `relayBatch`, the
 * engine the sweeper shares, and answers Lambda with the sequence numbers of the records that
 * did not make it.
 *
 * - Other records (MODIFY, REMOVE, non-outbox items) are done: nothing to relay.
 * - Records that can never be relayed go to the dead-letter sink with the reason, and the rest
 *   of the batch proceeds; relayed and dead-lettered items are deleted from the outbox, or set
 *   aside (see `relayBatch`).
 * - Records to retry (the queue did not take the event, or its dead letter was not stored) are
 *   reported as failed. A failed delete or set-aside is logged, not reported: the sweeper may
 *   then relay the event, or dead-letter the item, once more; consumers deduplicate by event id.
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
  const records = event.Records ?? [];
  const inserts = records.filter(isOutboxInsert);
  const report = await relayBatch(inserts.map(relayItemOf), options);
  logOutcomes(report, logger);
  const retry = new Set(report.retry.map((entry) => entry.handle));
  const batchItemFailures = records
    .filter((record) => retry.has(record))
    .map((record) => {
      const itemIdentifier = record.dynamodb?.SequenceNumber;
      if (!itemIdentifier) throw new MissingSequenceNumberError(record.eventID);
      return { itemIdentifier };
    });
  const deadLettered = report.deadLettered.length;
  const ignored = records.length - inserts.length;
  const failed = batchItemFailures.length;
  logger.info('stream batch relayed', {
    records: records.length,
    relayed: report.relayed.length,
    deadLettered,
    ignored,
    failed,
  });
  return {
    response: { batchItemFailures },
    relayed: report.relayed,
    deadLettered,
    ignored,
    failed,
  };
}

/** Whether a stream record is the INSERT of an outbox item: only those are relayed. */
function isOutboxInsert(record: DynamoDBRecord): boolean {
  return record.eventName === 'INSERT' && record.dynamodb?.NewImage?.kind?.S === OUTBOX_ITEM_KIND;
}

/** A stream record as `relayBatch` takes it: its keys and image, unmarshalled when read. */
function relayItemOf(record: DynamoDBRecord): RelayItem<DynamoDBRecord> {
  const image = record.dynamodb?.NewImage ?? {};
  const sequenceNumber = record.dynamodb?.SequenceNumber;
  return {
    handle: record,
    key: tableKeyOf(record),
    eventId: image.eventId?.S,
    read: () => unmarshall(image as Record<string, AttributeValue>),
    ...(sequenceNumber ? { sequenceNumber } : {}),
  };
}

/**
 * Logs what became of the batch's items. Reasons and error descriptions may quote an address
 * (a payload's, or a key's), so they are logged masked; the dead letter keeps them whole
 * beside the item they belong to.
 */
function logOutcomes(report: RelayBatchReport<DynamoDBRecord>, logger: RelayLogger): void {
  for (const { handle, eventId, reason } of report.deadLettered) {
    logger.warn('record can never be relayed; sent to the dead-letter queue', {
      eventId,
      sequenceNumber: handle.dynamodb?.SequenceNumber,
      reason: maskEmails(reason),
    });
  }
  for (const retry of report.retry) {
    const sequenceNumber = retry.handle.dynamodb?.SequenceNumber;
    const { eventId } = retry;
    const reason = maskEmails(retry.reason);
    if (retry.failedAt === 'send') {
      logger.error('event not relayed; reporting it for retry', {
        eventId,
        reason,
        sequenceNumber,
      });
    } else {
      logger.error('dead-lettering an unrelayable record failed; reporting it for retry', {
        eventId,
        sequenceNumber,
        reason,
        error: maskEmails(describeError(retry.error)),
      });
    }
  }
  for (const { operation, items, error } of report.outboxWriteFailures) {
    // The queue (or the DLQ) has these; left pending, the sweeper only meets them once more.
    if (operation === 'delete') {
      logger.warn('deleting relayed outbox items failed', {
        count: items.length,
        error: maskEmails(describeError(error)),
      });
    } else {
      logger.warn('setting aside dead-lettered outbox items failed', {
        // Set-aside items may be any item of the table: a key may hold an address.
        keys: items.map(maskEmails),
        error: maskEmails(describeError(error)),
      });
    }
  }
}

/** The table key of a stream record's item, when it has string `pk` and `sk`. */
function tableKeyOf(record: DynamoDBRecord): OutboxItemKey | undefined {
  const keys = record.dynamodb?.Keys;
  const pk = keys?.pk?.S;
  const sk = keys?.sk?.S;
  return pk !== undefined && sk !== undefined ? { pk, sk } : undefined;
}
