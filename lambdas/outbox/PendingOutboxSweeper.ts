import type { Clock } from '../events/ids.ts';
import type { DeadLetterSink, OutboxItemKey, PendingOutbox, QueueSender } from '../ports.ts';
import type { RelayedOutbox } from './checkCommitted.ts';
import { relayBatch } from './relayBatch.ts';
import type { RelayEventsOptions, RelayFailure } from './relayEvents.ts';

/** Options of `PendingOutboxSweeper`. */
export interface PendingOutboxSweeperOptions extends RelayEventsOptions {
  readonly outbox: PendingOutbox;
  readonly queue: QueueSender;
  /**
   * Outboxes whose committed payloads are validated before relaying, as the stream relay
   * validates them: an item whose payload its type's schema rejects, or whose type the
   * outbox's map lacks, can never be relayed and is dead-lettered, never sent.
   */
  readonly outboxes: readonly RelayedOutbox[];
  /**
   * Where items go that can never be relayed (corrupt, refused by the schema, or a message the
   * queue can never accept): the relay DLQ, `outboxItemDeadLetters`. Once it took an item, the
   * item is removed from the outbox, or, when the letter could not hold it whole or its key is
   * not the one its event id gives, kept in the table and set aside, so no later run offers it
   * again. When it throws, the item stays pending and is offered again on the next run.
   */
  readonly deadLetters: DeadLetterSink<Readonly<Record<string, unknown>>>;
  readonly clock?: Clock;
}

/** What one `relayPending` call did. */
export interface PendingOutboxSweeperReport {
  readonly relayed: readonly string[];
  /** Events the queue did not take this time; they stay pending for the next run. */
  readonly failed: readonly RelayFailure[];
  /** Items that can never be relayed (corrupt, refused by the schema, or refused for good). */
  readonly unrelayable: number;
  /** Of those, the items whose dead letter could not be stored: they stay pending. */
  readonly notDeadLettered: readonly {
    readonly key: OutboxItemKey;
    readonly reason: string;
    readonly error: unknown;
  }[];
  /** Of those, the items kept in the table but set aside, by key. */
  readonly setAside: readonly OutboxItemKey[];
  /** Age in seconds of the oldest pending item seen, 0 when none. */
  readonly oldestPendingAgeSeconds: number;
}

/**
 * Moves committed events that are still in the outbox to the queue, then removes them from
 * the outbox, with `relayBatch`, the engine the stream relay shares. Running it twice
 * publishes each event once: what was relayed is gone from the outbox. Locally this stands in
 * for the stream relay; on AWS it is the backstop sweeper, with `minAgeMs` so it leaves fresh
 * items to the stream.
 */
export class PendingOutboxSweeper {
  readonly #options: PendingOutboxSweeperOptions;

  constructor(options: PendingOutboxSweeperOptions) {
    this.#options = options;
  }

  /**
   * Relays up to `limit` pending items at least `minAgeMs` old, oldest first.
   * @throws what the outbox throws when it cannot list, delete or set aside items: they stay
   *   pending, and the next run meets them again.
   */
  async relayPending(
    options: { minAgeMs?: number; limit?: number } = {},
  ): Promise<PendingOutboxSweeperReport> {
    const { outbox, queue, outboxes, deadLetters } = this.#options;
    const now = (this.#options.clock ?? Date.now)();
    const items = await outbox.listPending({
      olderThan: new Date(now - (options.minAgeMs ?? 0)).toISOString(),
      limit: options.limit ?? 100,
    });
    const oldest = items[0];
    const report = await relayBatch(
      items.map((item) => ({
        // The item as listed is read like a stream image: nothing in it is trusted yet.
        handle: item as unknown as Readonly<Record<string, unknown>>,
        key: { pk: item.pk, sk: item.sk },
        eventId: item.eventId,
        read: () => item as unknown as Readonly<Record<string, unknown>>,
      })),
      { queue, deadLetters, outbox, outboxes, relay: this.#options },
    );
    const [writeFailure] = report.outboxWriteFailures;
    if (writeFailure) throw writeFailure.error;
    const failed: RelayFailure[] = [];
    const notDeadLettered: PendingOutboxSweeperReport['notDeadLettered'][number][] = [];
    for (const retry of report.retry) {
      const { reason } = retry;
      if (retry.failedAt === 'send')
        failed.push({ eventId: retry.eventId, reason, permanent: false });
      else notDeadLettered.push({ key: keyOf(retry.handle), reason, error: retry.error });
    }
    return {
      relayed: report.relayed,
      failed,
      unrelayable: report.deadLettered.length + notDeadLettered.length,
      notDeadLettered,
      setAside: report.setAside,
      oldestPendingAgeSeconds: oldest
        ? Math.max(0, Math.floor((now - Date.parse(oldest.occurredAt)) / 1000))
        : 0,
    };
  }
}

function keyOf(item: Readonly<Record<string, unknown>>): OutboxItemKey {
  return { pk: String(item.pk), sk: String(item.sk) };
}
