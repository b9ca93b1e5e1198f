import { describeError } from '../errors.ts';
import type { Clock } from '../events/ids.ts';
import { isUuid } from '../events/ids.ts';
import type { OutboxItem, OutboxItemKey, PendingOutbox, QueueSender } from '../ports.ts';
import { committedPayloadCheck, type RelayedOutbox } from './checkCommitted.ts';
import { fromOutboxItem, outboxKey, type StoredEvent } from './outboxItem.ts';
import { type RelayEventsOptions, type RelayFailure, relayEvents } from './relayEvents.ts';

/**
 * What `onUnrelayable` says about the letter it wrote for an item (a `DeadLetterReceipt` of
 * the relay's dead-letter sinks has this shape).
 */
export interface UnrelayableOutcome {
  /**
   * False when the letter could not hold the whole item (it was too large): the table then
   * holds the only copy of the item, which must not be removed.
   */
  readonly complete: boolean;
}

/** Options of `PendingOutboxSweeper`. */
export interface PendingOutboxSweeperOptions extends RelayEventsOptions {
  readonly outbox: PendingOutbox;
  readonly queue: QueueSender;
  /**
   * Outboxes whose committed payloads are validated before relaying, as the stream relay
   * validates them: an item whose payload its type's schema rejects, or whose type the
   * outbox's map lacks, is unrelayable (handed to `onUnrelayable`), never sent.
   */
  readonly outboxes: readonly RelayedOutbox[];
  readonly clock?: Clock;
  /**
   * Called for an item that can never be relayed (corrupt, or a message the queue can never
   * accept), so it is not silently dropped: typically it dead-letters the item. When it
   * resolves, the item is done with, once: it is removed from the outbox, or, when the letter
   * could not hold it whole (it resolves `{ complete: false }`) or its key is not the one its event
   * id gives, kept in the table and set aside (`PendingOutbox.setAside`), so no later run
   * offers it again. When it throws, the item stays pending and is offered again on the next
   * run. Without it such items stay pending until their TTL.
   */
  readonly onUnrelayable?: (
    item: Readonly<Record<string, unknown>>,
    reason: string,
  ) => Promise<UnrelayableOutcome> | UnrelayableOutcome;
}

/** What one `relayPending` call did. */
export interface PendingOutboxSweeperReport {
  readonly relayed: readonly string[];
  /** Events the queue did not take this time; they stay pending for the next run. */
  readonly failed: readonly RelayFailure[];
  /** Items that can never be relayed (corrupt, or refused for good), handed to `onUnrelayable`. */
  readonly unrelayable: number;
  /** Of those, the items kept in the table but set aside, by key. */
  readonly setAside: readonly OutboxItemKey[];
  /** Age in seconds of the oldest pending item seen, 0 when none. */
  readonly oldestPendingAgeSeconds: number;
}

/**
 * Moves committed events that are still in the outbox to the queue, then removes them from
 * the outbox. Running it twice publishes each event once: what was relayed is gone from the
 * outbox. Locally this is the whole relay; on AWS the stream relay does the fast path and
 * this is the backstop sweeper, with `minAgeMs` so it leaves fresh items to the stream.
 */
export class PendingOutboxSweeper {
  readonly #options: PendingOutboxSweeperOptions;
  readonly #checkCommitted: ReturnType<typeof committedPayloadCheck>;

  constructor(options: PendingOutboxSweeperOptions) {
    this.#options = options;
    this.#checkCommitted = committedPayloadCheck(options.outboxes);
  }

  /** Relays up to `limit` pending items at least `minAgeMs` old, oldest first. */
  async relayPending(
    options: { minAgeMs?: number; limit?: number } = {},
  ): Promise<PendingOutboxSweeperReport> {
    const now = (this.#options.clock ?? Date.now)();
    const items = await this.#options.outbox.listPending({
      olderThan: new Date(now - (options.minAgeMs ?? 0)).toISOString(),
      limit: options.limit ?? 100,
    });
    const oldest = items[0];
    const oldestPendingAgeSeconds = oldest
      ? Math.max(0, Math.floor((now - Date.parse(oldest.occurredAt)) / 1000))
      : 0;
    const events: StoredEvent[] = [];
    const itemsById = new Map<string, OutboxItem>();
    const removable: string[] = [];
    const setAside: OutboxItemKey[] = [];
    let unrelayable = 0;
    const giveUp = async (item: OutboxItem, reason: string) => {
      unrelayable++;
      const fate = await this.#handOver(item, reason);
      if (fate === 'remove') removable.push(item.eventId);
      else if (fate === 'set-aside') setAside.push({ pk: item.pk, sk: item.sk });
    };
    for (const item of items) {
      try {
        const stored = fromOutboxItem(item as unknown as Record<string, unknown>);
        this.#checkCommitted(stored);
        itemsById.set(stored.event.eventId, item);
        events.push(stored);
      } catch (error) {
        await giveUp(item, describeError(error));
      }
    }
    const report = await relayEvents(events, this.#options.queue, this.#options);
    for (const failure of report.failed) {
      const item = itemsById.get(failure.eventId);
      if (!failure.permanent || !item) continue;
      // A message the queue can never take (too large, refused as malformed) would otherwise
      // be retried on every run until TTL removed it silently.
      await giveUp(item, failure.reason);
    }
    await this.#options.outbox.deleteRelayed([...report.sent, ...removable]);
    if (setAside.length > 0) await this.#options.outbox.setAside(setAside);
    return {
      relayed: report.sent,
      failed: report.failed.filter((f) => !f.permanent),
      unrelayable,
      setAside,
      oldestPendingAgeSeconds,
    };
  }

  /**
   * Hands an item that can never be relayed to `onUnrelayable`, and says what then becomes of
   * it: `remove` when the handler took it, its letter holds it whole, and its key is the one
   * its event id gives (so removing by event id removes this item and nothing else);
   * `set-aside` when the handler took it but the item must stay in the table; `keep-pending`
   * when there is no handler or it threw, so the next run offers the item again.
   */
  async #handOver(
    item: OutboxItem,
    reason: string,
  ): Promise<'remove' | 'set-aside' | 'keep-pending'> {
    const onUnrelayable = this.#options.onUnrelayable;
    if (!onUnrelayable) return 'keep-pending';
    let complete: boolean;
    try {
      ({ complete } = await onUnrelayable(item as unknown as Record<string, unknown>, reason));
    } catch {
      return 'keep-pending';
    }
    const eventId: unknown = item.eventId;
    const ownsKey = isUuid(eventId) && item.pk === outboxKey(eventId).pk;
    return ownsKey && complete ? 'remove' : 'set-aside';
  }
}
