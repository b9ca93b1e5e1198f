import type { Clock } from '../events/ids.ts';
import type { QueueSender } from '../queue/types.ts';
import { fromOutboxItem, type StoredEvent } from './outboxItem.ts';
import { type RelayEventsOptions, type RelayFailure, relayEvents } from './relayEvents.ts';
import type { PendingOutbox } from './types.ts';

/** Options of `OutboxRelay`. */
export interface OutboxRelayOptions extends RelayEventsOptions {
  readonly outbox: PendingOutbox;
  readonly queue: QueueSender;
  readonly clock?: Clock;
  /** Called for an item that can never be relayed (corrupt), so it is not silently dropped. */
  readonly onUnrelayable?: (
    item: Readonly<Record<string, unknown>>,
    reason: string,
  ) => Promise<void> | void;
}

/** What one `relayPending` call did. */
export interface OutboxRelayReport {
  readonly relayed: readonly string[];
  readonly failed: readonly RelayFailure[];
  /** Items that could not be read as events, handed to `onUnrelayable`. */
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
    let unrelayable = 0;
    for (const item of items) {
      try {
        events.push(fromOutboxItem(item as unknown as Record<string, unknown>));
      } catch (error) {
        unrelayable++;
        await this.#options.onUnrelayable?.(
          item as unknown as Record<string, unknown>,
          String(error),
        );
      }
    }
    const report = await relayEvents(events, this.#options.queue, this.#options);
    await this.#options.outbox.deleteRelayed(report.sent);
    return { relayed: report.sent, failed: report.failed, unrelayable, oldestPendingAgeSeconds };
  }
}
