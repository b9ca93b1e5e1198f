import type { Clock } from '../events/ids.ts';
import { integrationEventFromQueueMessage } from '../events/integrationEventFromQueueMessage.ts';
import type { IntegrationEvent, QueueMessage } from '../events/types.ts';
import type { QueueSpec } from '../outbox/defineQueue.ts';
import { dispatchNotification, sendContextFor } from './dispatchNotification.ts';
import {
  NotificationDeliveryError,
  NotificationInProgressError,
  UnmappedEventTypeError,
} from './errors.ts';
import type { NotificationRouter } from './NotificationRouter.ts';
import type { NotificationLedger, NotificationSenders } from './types.ts';
import { type ValidateNotificationOptions, validateNotification } from './validateNotification.ts';

/** Options of `processNotificationMessage`. */
export interface ProcessNotificationOptions {
  readonly router: NotificationRouter;
  readonly senders: NotificationSenders;
  /** Validates the payload with the queue's schema before routing. */
  readonly queue?: QueueSpec;
  /**
   * Treat an event type with no mapper as done: nothing sent, and the result says
   * `unmapped: true` so the caller sees it. With `false`, throw `UnmappedEventTypeError`
   * instead. The SQS consumer (`consumeSqsRecords`) passes `false` unless told otherwise, so
   * on a queue a type nobody mapped (a typo, a producer deployed before its mapper) is
   * dead-lettered with its reason, never acknowledged unseen.
   * @default true
   */
  readonly skipUnmapped?: boolean;
  /** Claim each notification before sending, so redeliveries do not send twice. */
  readonly ledger?: NotificationLedger;
  /**
   * How long a ledger claim holds before another worker may take it over. Keep it at or
   * under the time the caller has left (a Lambda's remaining time).
   * @default 60_000
   */
  readonly leaseMs?: number;
  readonly validation?: ValidateNotificationOptions;
  /**
   * Now: for ledger leases, and the `occurredAt` of a message that carries neither an
   * `occurredAt` header nor a `sentAt`. @default Date.now
   */
  readonly clock?: Clock;
  /**
   * Told when the ledger fails to mark a sent notification completed, or to release a failed
   * one. The send's outcome stands either way; a missed completion opens the documented
   * window in which a redelivery may send again, so callers should log and count it.
   */
  readonly onLedgerError?: (
    error: unknown,
    notificationId: string,
    operation: 'complete' | 'release',
  ) => void;
}

/** What happened to one notification of an event. */
export interface NotificationOutcome {
  /** Position in the mapper's list; part of the stable notification id. */
  readonly index: number;
  /** `<eventId>:<index>`: the ledger key and the webhook id. */
  readonly notificationId: string;
  readonly kind: string;
  /** `skipped`: the ledger says it was sent by an earlier delivery. */
  readonly status: 'sent' | 'skipped' | 'failed';
  readonly providerMessageId?: string;
  readonly error?: Error;
}

/** The result of processing one message whose notifications were all sent (or skipped). */
export interface ProcessResult {
  readonly event: IntegrationEvent;
  /** How many notifications were sent by this call. */
  readonly dispatched: number;
  /** How many were skipped because an earlier delivery sent them. */
  readonly skipped: number;
  readonly outcomes: readonly NotificationOutcome[];
  /**
   * Set when `skipUnmapped` let an event with no mapper for its type through unsent; its
   * payload is then as received, not validated.
   */
  readonly unmapped?: true;
}

/**
 * Routes one queue message to its notifications and sends each. Every notification is
 * validated first and attempted even if another fails; with a ledger, notifications an
 * earlier delivery completed are skipped.
 *
 * @returns the count dispatched and a per-notification outcome.
 * @throws NotificationDeliveryError when any notification failed, with every outcome; it is
 *   permanent only if every failure is.
 * @throws MissingEventTypeError, MissingMessageIdError, PayloadValidationError, MapperError,
 *   UnmappedEventTypeError (with `skipUnmapped: false`), UnknownEventTypeError (a mapped type
 *   the queue's schema map lacks) for a message that cannot be routed.
 */
export async function processNotificationMessage(
  message: QueueMessage,
  options: ProcessNotificationOptions,
): Promise<ProcessResult> {
  const clock = options.clock ?? Date.now;
  const received = integrationEventFromQueueMessage(message, { clock });
  // Mapped or not is decided before validation: a skipped type is not this consumer's to
  // validate (its queue's schema map may not know it either), and one that will not be
  // skipped fails with the clearer reason that nothing maps it.
  if (!options.router.has(received.eventType)) {
    if (options.skipUnmapped ?? true) {
      return { event: received, dispatched: 0, skipped: 0, outcomes: [], unmapped: true };
    }
    throw new UnmappedEventTypeError(received.eventType, received.eventId);
  }
  const event = options.queue
    ? { ...received, payload: options.queue.parse(received.payload, received.eventType) }
    : received;
  const notifications = options.router.resolve(event);
  const outcomes = await Promise.all(
    notifications.map(async (notification, index): Promise<NotificationOutcome> => {
      const context = sendContextFor(event, index);
      const { notificationId } = context;
      const base = { index, notificationId, kind: String(notification?.kind) };
      let claimed = false;
      try {
        const valid = validateNotification(notification, options.validation);
        if (options.ledger) {
          const claim = await options.ledger.claim(
            notificationId,
            clock() + (options.leaseMs ?? 60_000),
          );
          if (claim.outcome === 'completed') return { ...base, status: 'skipped' };
          if (claim.outcome === 'in-progress') {
            throw new NotificationInProgressError(
              notificationId,
              secondsUntil(claim.leaseUntil, clock()),
            );
          }
          claimed = true;
        }
        const result = await dispatchNotification(valid, options.senders, context);
        // Completing is best-effort: the provider already accepted the send. If this write
        // fails, the lease expires and a redelivery may send again (the documented window).
        if (options.ledger) {
          await options.ledger
            .complete(notificationId, result)
            .catch((error) => options.onLedgerError?.(error, notificationId, 'complete'));
        }
        return {
          ...base,
          status: 'sent',
          ...(result.providerMessageId ? { providerMessageId: result.providerMessageId } : {}),
        };
      } catch (error) {
        if (claimed) {
          await options.ledger
            ?.release(notificationId)
            .catch((e) => options.onLedgerError?.(e, notificationId, 'release'));
        }
        return {
          ...base,
          status: 'failed',
          error: error instanceof Error ? error : new Error(String(error)),
        };
      }
    }),
  );
  if (outcomes.some((o) => o.status === 'failed')) {
    throw new NotificationDeliveryError(event.eventType, event.eventId, outcomes);
  }
  return {
    event,
    dispatched: outcomes.filter((o) => o.status === 'sent').length,
    skipped: outcomes.filter((o) => o.status === 'skipped').length,
    outcomes,
  };
}

/**
 * Whole seconds from `now` until just after `leaseUntil`: a claim succeeds only once the
 * lease is strictly over. `undefined` when the lease is unknown or already over.
 */
function secondsUntil(leaseUntil: number | undefined, now: number): number | undefined {
  if (leaseUntil === undefined || leaseUntil < now) return undefined;
  return Math.floor((leaseUntil - now) / 1000) + 1;
}
