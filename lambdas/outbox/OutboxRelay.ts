import { describeError } from '../errors.ts';
import type { Clock } from '../events/ids.ts';
import { isUuid } from '../events/ids.ts';
import type { QueueSender } from '../queue/types.ts';
import { fromOutboxItem, type OutboxItem, outboxKey, type StoredEvent } from './outboxItem.ts';
import { type RelayEventsOptions, type RelayFailure, relayEvents } from './relayEvents.ts';
import type { PendingOutbox } from './types.ts';

/** Options of `OutboxRelay`. */
export interface OutboxRelayOptions extends RelayEventsOptions {
  readonly outbox: PendingOutbox;
  readonly queue: QueueSender;
  readonly clock?: Clock;
  /**
   * Called for an item that can never be relayed (corrupt, or a message the queue can never
   * accept), so it is not silently dropped: typically it dead-letters the item. When it
   * resolves, the item is removed from the outbox; when it throws, the item stays pending and
   * is offered again on the next run. Without it such items stay pending until their TTL.
   */
  readonly onUnrelayable?: (
    item: Readonly<Record<string, unknown>>,
    reason: string,
  ) => Promise<void> | void;
}

/** What one `relayPending` call did. */
export interface OutboxRelayReport {
  readonly relayed: readonly string[];
  /** Events the queue did not take this time; they stay pending for the next run. */
  readonly failed: readonly RelayFailure[];
  /** Items that can never be relayed (corrupt, or refused for good), handed to `onUnrelayable`. */
  readonly unrelayable: number;
  /** Age in seconds of the oldest pending item seen, 0 when none. */
  readonly oldestPendingAgeSeconds: number;
}

/**
 * Moves committed events that are still in the outbox to the queue, then removes them from
 * the outbox. Running it twice publishes each event once: what was relayed is gone from the
 * outbox. Locally this is the whole relay; on AWS the stream relay does the fast path and
 * this is the backstop sweeper, with `minAgeMs` so it leaves fresh items to the stream.
 */
export class OutboxRelay {
  readonly #options: OutboxRelayOptions;

  constructor(options: OutboxRelayOptions) {
    this.#options = options;
  }

  /** Relays up to `limit` pending items at least `minAgeMs` old, oldest first. */
  async relayPending(
    options: { minAgeMs?: number; limit?: number } = {},
  ): Promise<OutboxRelayReport> {
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
    let unrelayable = 0;
    for (const item of items) {
      try {
        const stored = fromOutboxItem(item as unknown as Record<string, unknown>);
        itemsById.set(stored.event.eventId, item);
        events.push(stored);
      } catch (error) {
        unrelayable++;
        if (await this.#setAside(item, describeError(error))) removable.push(item.eventId);
      }
    }
    const report = await relayEvents(events, this.#options.queue, this.#options);
    for (const failure of report.failed) {
      const item = itemsById.get(failure.eventId);
      if (!failure.permanent || !item) continue;
      // A message the queue can never take (too large, refused as malformed) would otherwise
      // be retried on every run until TTL removed it silently.
      unrelayable++;
      if (await this.#setAside(item, failure.reason)) removable.push(failure.eventId);
    }
    await this.#options.outbox.deleteRelayed([...report.sent, ...removable]);
    return {
      relayed: report.sent,
      failed: report.failed.filter((f) => !f.permanent),
      unrelayable,
      oldestPendingAgeSeconds,
    };
  }

  /**
   * Hands an item that can never be relayed to `onUnrelayable`. True when the item may be
   * removed from the outbox: the handler took it, and the item's key is the one its event id
   * gives (so removing by event id removes this item and nothing else).
   */
  async #setAside(item: OutboxItem, reason: string): Promise<boolean> {
    const onUnrelayable = this.#options.onUnrelayable;
    if (!onUnrelayable) return false;
    try {
      await onUnrelayable(item as unknown as Record<string, unknown>, reason);
    } catch {
      return false;
    }
    const eventId: unknown = item.eventId;
    return isUuid(eventId) && item.pk === outboxKey(eventId).pk;
  }
}
