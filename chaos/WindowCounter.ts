/** Why a provider-accepted send was not recorded as completed in the ledger. */
export const WindowCause = {
  /**
   * The ledger's `complete` failed before it applied, and the consumer's retries of it too
   * (or the lease left no time for one).
   */
  COMPLETE_FAILED: 'completeFailed',
  /** The consumer crashed after the provider accepted and before `complete`. */
  CRASH_AFTER_SEND: 'crashAfterSend',
  /** The provider accepted but its response was lost, so the send was reported failed. */
  TIMEOUT_AFTER_ACCEPT: 'timeoutAfterAccept',
} as const;

/** One of the window causes. */
export type WindowCause = (typeof WindowCause)[keyof typeof WindowCause];

/**
 * Counts openings of the window `docs/idempotency.md` documents: a provider accepted a send
 * and the ledger never heard it completed. Each opening allows at most one extra send of that
 * notification. Openings are counted where the fault strikes, not inferred from duplicates,
 * so "duplicates <= windows" is a check, not a tautology.
 */
export class WindowCounter {
  readonly #byNotification = new Map<string, number>();
  readonly #byCause = new Map<WindowCause, number>();

  /** Records one opening for a notification (`<eventId>:<index>`). */
  open(notificationId: string, cause: WindowCause): void {
    this.#byNotification.set(notificationId, (this.#byNotification.get(notificationId) ?? 0) + 1);
    this.#byCause.set(cause, (this.#byCause.get(cause) ?? 0) + 1);
  }

  /** Openings per event id (the notification ids' prefix). */
  byEvent(): Map<string, number> {
    const events = new Map<string, number>();
    for (const [id, count] of this.#byNotification) {
      const eventId = id.slice(0, id.lastIndexOf(':'));
      events.set(eventId, (events.get(eventId) ?? 0) + count);
    }
    return events;
  }

  /** Openings per cause. */
  byCause(): Readonly<Record<WindowCause, number>> {
    return Object.fromEntries(
      Object.values(WindowCause).map((cause) => [cause, this.#byCause.get(cause) ?? 0]),
    ) as Record<WindowCause, number>;
  }
}
