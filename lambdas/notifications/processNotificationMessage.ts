import { isPermanentError } from '../errors.ts';
import type { Clock } from '../events/ids.ts';
import { integrationEventFromQueueMessage } from '../events/integrationEventFromQueueMessage.ts';
import type { IntegrationEvent, QueueMessage } from '../events/types.ts';
import type { QueueSpec } from '../outbox/defineQueue.ts';
import type { NotificationLedger, NotificationSenders, SendResult } from '../ports.ts';
import { dispatchNotification, sendContextFor } from './dispatchNotification.ts';
import {
  NotificationDeliveryError,
  NotificationInProgressError,
  UnmappedEventTypeError,
} from './errors.ts';
import type { NotificationRouter } from './NotificationRouter.ts';
import type { Notification } from './types.ts';
import { type ValidateNotificationOptions, validateNotification } from './validateNotification.ts';

/**
 * How a failed ledger completion is retried. The provider has already accepted the send, and
 * a completion is safe to repeat (it is conditioned on this claim's owner token), so a
 * transient failure is retried a few times before the documented duplicate window opens.
 */
export interface CompleteRetryOptions {
  /** Attempts in all, the first included; 1 turns retrying off. @default 3 */
  readonly attempts?: number;
  /** The wait before the first retry; each further one waits twice as long. @default 50 */
  readonly baseDelayMs?: number;
  /** The wait between attempts, injectable so tests and the chaos suite do not wait. @default setTimeout */
  readonly sleep?: Sleep;
}

/** The defaults of `CompleteRetryOptions`. */
export const COMPLETE_RETRY_DEFAULTS = { attempts: 3, baseDelayMs: 50 } as const;

/** Waits `ms` milliseconds: the pause between completion attempts. */
export type Sleep = (ms: number) => Promise<void>;

const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The idempotency ledger notifications are claimed in, and how. */
export interface LedgerOptions {
  /** Claims each notification before sending, so redeliveries do not send twice. */
  readonly store: NotificationLedger;
  /**
   * How long a claim holds before another worker may take it over. Keep it at or under the
   * time the caller has left (a Lambda's remaining time).
   * @default 60_000
   */
  readonly leaseMs?: number;
  /**
   * Retrying a completion that failed: up to `attempts` in all, for transient errors only, and
   * only while the claim's lease has time left for the wait.
   * @default COMPLETE_RETRY_DEFAULTS (3 attempts, waits of 50 and 100 ms), `setTimeout` waits
   */
  readonly completeRetry?: CompleteRetryOptions;
  /**
   * Told when the ledger fails to mark a sent notification completed (after the retries of
   * `completeRetry`; `attempts` says how many were made), or to release a failed one (one
   * attempt). The send's outcome stands either way; a missed completion opens the documented
   * window in which a redelivery may send again, so callers should log and count it.
   */
  readonly onError?: (
    error: unknown,
    notificationId: string,
    operation: 'complete' | 'release',
    attempts: number,
  ) => void;
}

/** Options of `processNotificationEvent` and `processNotificationMessage`. */
export interface ProcessNotificationOptions {
  readonly router: NotificationRouter;
  readonly senders: NotificationSenders;
  /** Validates the payload with the queue's schema before routing (`notifications.queue`). */
  readonly queueSpec?: QueueSpec;
  /**
   * Treat an event type with no mapper as done: nothing sent, and the result says
   * `unmapped: true` so the caller sees it. With `false`, throw `UnmappedEventTypeError`
   * instead. The SQS consumer (`consumeSqsRecords`) passes `false` unless told otherwise, so
   * on a queue a type nobody mapped (a typo, a producer deployed before its mapper) is
   * dead-lettered with its reason, never acknowledged unseen.
   * @default true
   */
  readonly skipUnmapped?: boolean;
  /** Claim each notification in a ledger before sending. @default no ledger */
  readonly ledger?: LedgerOptions;
  readonly validation?: ValidateNotificationOptions;
  /**
   * Now: for ledger leases, and the `occurredAt` of a queue message that carries neither an
   * `occurredAt` header nor a `sentAt`. @default Date.now
   */
  readonly clock?: Clock;
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
 * Routes one queue message to its notifications and sends each: the event is rebuilt from the
 * message (see `integrationEventFromQueueMessage`), then handled as `processNotificationEvent`
 * handles it. For messages of your own queue; the SQS consumer parses its envelopes straight
 * into events.
 *
 * @example
 * ```ts
 * const message = queueMessageFromReceived(received, queue.name);
 * const result = await processNotificationMessage(message, { router, senders, queueSpec });
 * ```
 *
 * @throws MissingEventTypeError, MissingMessageIdError for a message no event can be rebuilt
 *   from; otherwise what `processNotificationEvent` throws.
 */
export async function processNotificationMessage(
  message: QueueMessage,
  options: ProcessNotificationOptions,
): Promise<ProcessResult> {
  const event = integrationEventFromQueueMessage(message, { clock: options.clock });
  return processNotificationEvent(event, options);
}

/**
 * Routes one event to its notifications and sends each. Every notification is validated
 * first and attempted even if another fails; with a ledger, notifications an earlier delivery
 * completed are skipped.
 *
 * @returns the count dispatched and a per-notification outcome.
 * @throws NotificationDeliveryError when any notification failed, with every outcome; it is
 *   permanent only if every failure is.
 * @throws PayloadValidationError, MapperError, UnmappedEventTypeError (with
 *   `skipUnmapped: false`), UnknownEventTypeError (a mapped type the queue's schema map lacks)
 *   for an event that cannot be routed.
 * @throws RangeError for a `ledger.completeRetry` out of range, before anything is sent.
 */
export async function processNotificationEvent(
  received: IntegrationEvent,
  options: ProcessNotificationOptions,
): Promise<ProcessResult> {
  // A misconfigured retry is refused before anything is sent, not after the first send.
  if (options.ledger) completeRetryOf(options.ledger.completeRetry);
  // Mapped or not is decided before validation: a skipped type is not this consumer's to
  // validate (its queue's schema map may not know it either), and one that will not be
  // skipped fails with the clearer reason that nothing maps it.
  if (!options.router.has(received.eventType)) {
    if (options.skipUnmapped ?? true) {
      return { event: received, dispatched: 0, skipped: 0, outcomes: [], unmapped: true };
    }
    throw new UnmappedEventTypeError(received.eventType, received.eventId);
  }
  const event = options.queueSpec
    ? { ...received, payload: options.queueSpec.parse(received.payload, received.eventType) }
    : received;
  const notifications = options.router.resolve(event);
  const outcomes = await Promise.all(
    notifications.map((notification, index) =>
      sendNotification(event, notification, index, options),
    ),
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
 * Validates, claims and sends the `index`-th notification of an event. Never throws: a
 * failure is the outcome `failed`, with its error.
 */
async function sendNotification(
  event: IntegrationEvent,
  notification: Notification,
  index: number,
  options: ProcessNotificationOptions,
): Promise<NotificationOutcome> {
  const clock = options.clock ?? Date.now;
  const ledger = options.ledger;
  const context = sendContextFor(event, index);
  const { notificationId } = context;
  const base = { index, notificationId, kind: String(notification?.kind) };
  const claimTime = { clock, leaseUntil: clock() + (ledger?.leaseMs ?? 60_000) };
  let claimed = false;
  try {
    const valid = validateNotification(notification, options.validation);
    if (ledger) {
      const claim = await ledger.store.claim(notificationId, claimTime.leaseUntil);
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
    if (ledger) await settleClaim(ledger, notificationId, result, claimTime);
    return {
      ...base,
      status: 'sent',
      ...(result.providerMessageId ? { providerMessageId: result.providerMessageId } : {}),
    };
  } catch (error) {
    if (ledger && claimed) await settleClaim(ledger, notificationId, undefined, claimTime);
    return {
      ...base,
      status: 'failed',
      error: error instanceof Error ? error : new Error(String(error)),
    };
  }
}

/** The claim being settled: now, and when its lease ends. */
interface ClaimTime {
  readonly clock: Clock;
  readonly leaseUntil: number;
}

/**
 * Ends a notification's claim in the ledger: completed with the provider's result once sent,
 * released when the send failed (`result` undefined) so a retry can claim it at once. Neither
 * write changes the send's outcome. A failed completion is retried (`completeRetry`) while the
 * lease has room; what still fails goes to `onError`, as does a failed release (not retried:
 * the lease frees it anyway).
 */
async function settleClaim(
  ledger: LedgerOptions,
  notificationId: string,
  result: SendResult | undefined,
  claim: ClaimTime,
): Promise<void> {
  if (result) {
    // Completing is best-effort: the provider already accepted the send. If every attempt
    // fails, the lease expires and a redelivery may send again (the documented window).
    const failure = await completeWithRetry(
      () => ledger.store.complete(notificationId, result),
      completeRetryOf(ledger.completeRetry),
      claim,
    );
    if (failure) ledger.onError?.(failure.error, notificationId, 'complete', failure.attempts);
    return;
  }
  await ledger.store
    .release(notificationId)
    .catch((error) => ledger.onError?.(error, notificationId, 'release', 1));
}

/** A completion that failed for good: the last error, and how many attempts were made. */
interface CompleteFailure {
  readonly error: unknown;
  readonly attempts: number;
}

/** `CompleteRetryOptions` with the defaults filled in and checked. */
function completeRetryOf(
  options: CompleteRetryOptions | undefined,
): Required<CompleteRetryOptions> {
  const attempts = options?.attempts ?? COMPLETE_RETRY_DEFAULTS.attempts;
  const baseDelayMs = options?.baseDelayMs ?? COMPLETE_RETRY_DEFAULTS.baseDelayMs;
  if (!Number.isSafeInteger(attempts) || attempts < 1) {
    throw new RangeError(`ledger.completeRetry.attempts must be a positive integer: ${attempts}`);
  }
  if (!Number.isFinite(baseDelayMs) || baseDelayMs < 0) {
    throw new RangeError(
      `ledger.completeRetry.baseDelayMs must be a number of ms >= 0: ${baseDelayMs}`,
    );
  }
  return { attempts, baseDelayMs, sleep: options?.sleep ?? realSleep };
}

/**
 * Runs `complete` until it succeeds, retrying transient failures with a doubling wait. Gives up
 * (answering the last error) after `attempts`, on a permanent error (a claim another worker
 * took over cannot be completed by repeating), or when the next wait would reach the lease's
 * end: from then on another worker may take the claim over and send again anyway.
 */
async function completeWithRetry(
  complete: () => Promise<void>,
  retry: Required<CompleteRetryOptions>,
  claim: ClaimTime,
): Promise<CompleteFailure | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      // Repeating is safe: the ledger conditions the write on this claim's owner token, and a
      // repeat after a lost response finds its own completed record and succeeds.
      await complete();
      return undefined;
    } catch (error) {
      const delay = retry.baseDelayMs * 2 ** (attempt - 1);
      if (
        attempt >= retry.attempts ||
        isPermanentError(error) ||
        claim.clock() + delay >= claim.leaseUntil
      ) {
        return { error, attempts: attempt };
      }
      await retry.sleep(delay);
    }
  }
}

/**
 * Whole seconds from `now` until just after `leaseUntil`: a claim succeeds only once the
 * lease is strictly over. `undefined` when the lease is unknown or already over.
 */
function secondsUntil(leaseUntil: number | undefined, now: number): number | undefined {
  if (leaseUntil === undefined || leaseUntil < now) return undefined;
  return Math.floor((leaseUntil - now) / 1000) + 1;
}
