import { describeError, errorName } from '../errors.ts';
import { isUuid } from '../events/ids.ts';
import type { DeadLetterSink, OutboxItemKey, PendingOutbox, QueueSender } from '../ports.ts';
import { committedPayloadCheck, type RelayedOutbox } from './checkCommitted.ts';
import { RelayQueueCallError } from './errors.ts';
import { fromOutboxItem, outboxKey, type StoredEvent } from './outboxItem.ts';
import { type RelayEventsOptions, relayEvents } from './relayEvents.ts';

/**
 * One outbox item to relay, as its caller met it: the stream relay with a stream record, the
 * sweeper with the item it listed.
 */
export interface RelayItem<H> {
  /** The caller's handle on the item: what its dead letter is written from. */
  readonly handle: H;
  /** The item's table key, when known: an item is deleted or set aside by it. */
  readonly key: OutboxItemKey | undefined;
  /** The item's `eventId` attribute as stored, read even when the rest cannot be. */
  readonly eventId: unknown;
  /** The item's attributes; may throw when they cannot be read (then it is dead-lettered). */
  readonly read: () => Readonly<Record<string, unknown>>;
  /** The stream record's sequence number, for its dead letter. */
  readonly sequenceNumber?: string;
}

/** Options of `relayBatch`. */
export interface RelayBatchOptions<H> {
  /** Where events go: an `SqsQueueSender` on AWS, a `MemoryQueue` locally. */
  readonly queue: QueueSender;
  /** Where items go that can never be relayed, with the reason. */
  readonly deadLetters: DeadLetterSink<H>;
  /**
   * Relayed and dead-lettered items are deleted from it, or set aside when they must be kept
   * (`PendingOutbox.setAside`). Without it the items stay until their TTL.
   */
  readonly outbox?: PendingOutbox;
  /** Outboxes whose committed payloads are validated before relaying (`committedPayloadCheck`). */
  readonly outboxes: readonly RelayedOutbox[];
  /** Retry and backoff of `SendMessageBatch` within the call. */
  readonly relay?: RelayEventsOptions;
}

/** An item to offer again later: the queue did not take it, or its dead letter was not stored. */
export type RelayRetry<H> =
  | {
      readonly failedAt: 'send';
      readonly handle: H;
      readonly eventId: string;
      /** The queue's last answer. */
      readonly reason: string;
    }
  | {
      readonly failedAt: 'dead-letter';
      readonly handle: H;
      readonly eventId: string | undefined;
      /** Why the item can never be relayed. */
      readonly reason: string;
      /** Why its dead letter could not be stored. */
      readonly error: unknown;
    };

/** An item that can never be relayed, now in the dead-letter sink. */
export interface RelayDeadLetter<H> {
  readonly handle: H;
  readonly eventId: string | undefined;
  readonly reason: string;
  /** The error class, or `MessageRefused` for a message the queue refuses for good. */
  readonly errorName: string;
}

/** A delete or set-aside the outbox refused: its items stay pending. */
export interface OutboxWriteFailure {
  readonly operation: 'delete' | 'set-aside';
  /** The event ids to delete, or the partition keys of the items to set aside. */
  readonly items: readonly string[];
  readonly error: unknown;
}

/** What `relayBatch` did with each item. */
export interface RelayBatchReport<H> {
  /** Event ids the queue accepted. */
  readonly relayed: readonly string[];
  /** Items to offer again later. */
  readonly retry: readonly RelayRetry<H>[];
  /** Items now in the dead-letter sink. */
  readonly deadLettered: readonly RelayDeadLetter<H>[];
  /** Of those, the ones kept in the table and set aside, by key. */
  readonly setAside: readonly OutboxItemKey[];
  /** Deletes and set-asides the outbox refused; the caller decides whether that fails it. */
  readonly outboxWriteFailures: readonly OutboxWriteFailure[];
}

interface Unrelayable<H> {
  readonly item: RelayItem<H>;
  readonly eventId: string | undefined;
  readonly reason: string;
  readonly errorName: string;
}

/**
 * The relay engine the stream relay and the sweeper share: reads each item back as an event,
 * checks its payload against its outbox's schema, sends what passes with `relayEvents`, puts
 * what can never be relayed in the dead-letter sink with the reason, then deletes the relayed
 * and dead-lettered items from the outbox, or sets aside the dead-lettered ones that must be
 * kept (see `PendingOutbox.setAside`).
 *
 * - Never relayable: an item that cannot be read back (`CorruptOutboxItemError`), a payload its
 *   outbox's schema rejects (`PayloadValidationError`, `UnknownEventTypeError`), a message the
 *   queue refuses for good (over the size limit, malformed: `MessageRefused`).
 * - Retried: events the queue did not take after the retries, and every event of a call the
 *   queue refused as a whole (whatever the cause, it says nothing about any one event); and an
 *   item whose dead letter could not be stored, so it is never lost.
 * - A dead-lettered item is deleted only when its letter holds it whole and its key is the one
 *   its event id gives (deleting by event id then removes it and nothing else); otherwise it
 *   is set aside.
 *
 * @example
 * ```ts
 * const report = await relayBatch(items, { queue, deadLetters, outbox, outboxes: [orders] });
 * for (const retry of report.retry) console.warn('offered again later', retry.reason);
 * ```
 */
export async function relayBatch<H>(
  items: readonly RelayItem<H>[],
  options: RelayBatchOptions<H>,
): Promise<RelayBatchReport<H>> {
  const { toSend, unrelayable } = readItems(items, options.outboxes);
  const { relayed, retry, refused } = await send(toSend, options);
  const letters = await deadLetter([...unrelayable, ...refused], options.deadLetters);
  const outboxWriteFailures = options.outbox
    ? await settle(options.outbox, [...relayed, ...letters.removable], letters.toSetAside)
    : [];
  return {
    relayed,
    retry: [...retry, ...letters.retry],
    deadLettered: letters.deadLettered,
    setAside: options.outbox && !outboxWriteFailures.some(isSetAside) ? letters.toSetAside : [],
    outboxWriteFailures,
  };
}

/** Reads each item back as an event and checks its payload; the rest can never be relayed. */
function readItems<H>(items: readonly RelayItem<H>[], outboxes: readonly RelayedOutbox[]) {
  const checkCommitted = committedPayloadCheck(outboxes);
  const toSend: { item: RelayItem<H>; stored: StoredEvent }[] = [];
  const unrelayable: Unrelayable<H>[] = [];
  for (const item of items) {
    try {
      const stored = fromOutboxItem(item.read());
      checkCommitted(stored);
      toSend.push({ item, stored });
    } catch (error) {
      unrelayable.push({
        item,
        eventId: isUuid(item.eventId) ? item.eventId.toLowerCase() : undefined,
        reason: describeError(error),
        errorName: errorName(error),
      });
    }
  }
  return { toSend, unrelayable };
}

/** Sends the events; what the queue refuses for good joins the unrelayable items. */
async function send<H>(
  toSend: readonly { item: RelayItem<H>; stored: StoredEvent }[],
  options: RelayBatchOptions<H>,
) {
  const retry: RelayRetry<H>[] = [];
  const refused: Unrelayable<H>[] = [];
  if (toSend.length === 0) return { relayed: [], retry, refused };
  const report = await relayEvents(
    toSend.map((entry) => entry.stored),
    wholeCallsRetried(options.queue),
    options.relay,
  );
  const sent = new Set(report.sent);
  const failedById = new Map(report.failed.map((failure) => [failure.eventId, failure]));
  for (const { item, stored } of toSend) {
    const { eventId } = stored.event;
    if (sent.has(eventId)) continue;
    const failure = failedById.get(eventId);
    if (failure?.permanent) {
      refused.push({ item, eventId, reason: failure.reason, errorName: 'MessageRefused' });
    } else {
      const reason = failure?.reason ?? 'not reported sent';
      retry.push({ failedAt: 'send', handle: item.handle, eventId, reason });
    }
  }
  return { relayed: [...sent], retry, refused };
}

/** Dead-letters each item, and says which to delete and which to set aside. */
async function deadLetter<H>(unrelayable: readonly Unrelayable<H>[], sink: DeadLetterSink<H>) {
  const deadLettered: RelayDeadLetter<H>[] = [];
  const retry: RelayRetry<H>[] = [];
  const removable: string[] = [];
  const toSetAside: OutboxItemKey[] = [];
  for (const { item, eventId, reason, errorName } of unrelayable) {
    const { handle, sequenceNumber } = item;
    let complete: boolean;
    try {
      ({ complete } = await sink.deadLetter(handle, {
        reason,
        errorName,
        ...(eventId ? { eventId } : {}),
        ...(sequenceNumber ? { sequenceNumber } : {}),
      }));
    } catch (error) {
      retry.push({ failedAt: 'dead-letter', handle, eventId, reason, error });
      continue;
    }
    deadLettered.push({ handle, eventId, reason, errorName });
    if (complete && ownsKey(item)) removable.push(item.eventId);
    else if (item.key) toSetAside.push(item.key);
  }
  return { deadLettered, retry, removable, toSetAside };
}

/** Deletes and sets aside; a refusal is reported, not thrown, so the other write still runs. */
async function settle(
  outbox: PendingOutbox,
  toDelete: readonly string[],
  toSetAside: readonly OutboxItemKey[],
): Promise<OutboxWriteFailure[]> {
  const failures: OutboxWriteFailure[] = [];
  const eventIds = [...new Set(toDelete)];
  if (eventIds.length > 0) {
    await outbox.deleteRelayed(eventIds).catch((error: unknown) => {
      failures.push({ operation: 'delete', items: eventIds, error });
    });
  }
  if (toSetAside.length > 0) {
    await outbox.setAside(toSetAside).catch((error: unknown) => {
      failures.push({ operation: 'set-aside', items: toSetAside.map((key) => key.pk), error });
    });
  }
  return failures;
}

/**
 * Whether deleting the outbox item of the item's event id removes this item: only then may a
 * dead-lettered item be deleted (by event id), and only if its letter holds it whole.
 */
function ownsKey<H>(item: RelayItem<H>): item is RelayItem<H> & { readonly eventId: string } {
  if (!isUuid(item.eventId) || !item.key) return false;
  const key = outboxKey(item.eventId);
  return item.key.pk === key.pk && item.key.sk === key.sk;
}

/**
 * The queue with whole-call errors made transient: a refused call is retried and reported,
 * whatever its cause, so configuration errors never send good events to the dead-letter queue.
 */
function wholeCallsRetried(queue: QueueSender): QueueSender {
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

function isSetAside(failure: OutboxWriteFailure): boolean {
  return failure.operation === 'set-aside';
}
