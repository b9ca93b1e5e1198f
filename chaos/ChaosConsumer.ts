import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createConsumerHandler } from '../lambdas/consumer.ts';
import type { Clock } from '../lambdas/events/ids.ts';
import type { MemoryLedger } from '../lambdas/ledger/MemoryLedger.ts';
import { SendError } from '../lambdas/notifications/errors.ts';
import type { NotificationRouter } from '../lambdas/notifications/NotificationRouter.ts';
import type { RecordingSenders } from '../lambdas/notifications/RecordingSenders.ts';
import type { Notification } from '../lambdas/notifications/types.ts';
import type { QueueSpec } from '../lambdas/outbox/defineQueue.ts';
import type {
  DeadLetterSink,
  NotificationLedger,
  NotificationSenders,
  SendContext,
  SendResult,
  VisibilityChanger,
} from '../lambdas/ports.ts';
import { CrashSwitch, never } from './CrashSwitch.ts';
import { FaultSite, type Faults } from './faults.ts';
import type { Random } from './random.ts';
import { WindowCause, type WindowCounter } from './WindowCounter.ts';

/** Options of `ChaosConsumer`. */
export interface ChaosConsumerOptions {
  /** The provider: records what it accepted. */
  readonly provider: RecordingSenders;
  /** The shared ledger; each Lambda instance works through its own `worker()`. Omit to run without one. */
  readonly ledger?: MemoryLedger;
  /** The consumer dead-letter queue. */
  readonly deadLetters: DeadLetterSink<SQSRecord>;
  /** The events queue's visibility, for backoff. */
  readonly visibility: VisibilityChanger;
  /** Routes events to notifications (`notifications.router`). */
  readonly router: NotificationRouter;
  /** Validates payloads per event type before routing (`notifications.queue`). */
  readonly queueSpec: QueueSpec;
  readonly faults: Faults;
  readonly windows: WindowCounter;
  /** Addresses the provider refuses for good (a hard bounce, a suppression list). */
  readonly undeliverable: (address: string) => boolean;
  readonly clock: Clock;
  /** Backoff jitter. */
  readonly random: Random;
  /**
   * The consumer's wait between attempts of a failed ledger completion: a run moves its
   * simulated clock, so the retries count against the claim's lease as they would on AWS.
   * @default no wait
   */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * The events queue's `maxReceiveCount`, told to the consumer as the CDK construct does
   * (`TIDINGS_MAX_RECEIVE_COUNT`), so a transient failure on the last receive is dead-lettered
   * with its reason. Omit to leave it to the queue's redrive.
   */
  readonly maxReceiveCount?: number;
}

/** What the consumer did, for the report. */
export interface ChaosConsumerStats {
  readonly invocations: number;
  readonly crashes: number;
  /** Lambda instances started: the first, and one after each crash. */
  readonly coldStarts: number;
  /** Messages whose delete was lost, so SQS delivered them again. */
  readonly deletesLost: number;
  /** Ledger `complete` calls that failed (each attempt counts). */
  readonly completeAttemptsFailed: number;
  /** Sent notifications whose completion failed at first and a retry then recorded. */
  readonly completionsRecoveredByRetry: number;
}

function firstAddress(notification: Notification): string {
  if (notification.kind !== 'email') return '';
  return typeof notification.to === 'string' ? notification.to : (notification.to[0] ?? '');
}

/** A transient provider failure, as the SES sender classifies them. */
function transientSendError(variant: number, address: string): SendError {
  const channel = 'email';
  if (variant === 0) {
    return new SendError({
      channel,
      reason: 'timeout',
      permanent: false,
      message: `SES did not answer within the timeout sending to "${address}"`,
    });
  }
  if (variant === 1) {
    return new SendError({
      channel,
      reason: 'http-503',
      permanent: false,
      message: `SES answered 503 ServiceUnavailable sending to "${address}"`,
    });
  }
  return new SendError({
    channel,
    reason: 'TooManyRequestsException',
    permanent: false,
    retryAfterSeconds: 1 + variant,
    message: `SES throttled the send to "${address}": maximum sending rate exceeded`,
  });
}

/**
 * The consumer Lambda under chaos: the real consumer handler (`createConsumerHandler`) per
 * invocation, over the shared ledger and the recording provider, with faults at each of its
 * boundaries:
 * - the provider fails before accepting (timeout, 5xx, throttling), refuses undeliverable
 *   addresses for good, or accepts and loses its response;
 * - at the fault rate an invocation crashes after K accepted sends (or, when fewer happen,
 *   after all of them, before its response): nothing it started finishes, the batch comes
 *   back after the visibility timeout, and the next invocation is a new instance with a new
 *   ledger worker;
 * - at the fault rate the delete of a message it handled is lost, so SQS delivers it again.
 *
 * It counts window openings (`WindowCounter`) where they happen.
 */
export class ChaosConsumer {
  readonly #options: ChaosConsumerOptions;
  #worker: NotificationLedger | undefined;
  #invocations = 0;
  #crashes = 0;
  #coldStarts = 0;
  #deletesLost = 0;
  #completeAttemptsFailed = 0;
  #completionsRecovered = 0;

  constructor(options: ChaosConsumerOptions) {
    this.#options = options;
  }

  /** Counters for the report. */
  stats(): ChaosConsumerStats {
    return {
      invocations: this.#invocations,
      crashes: this.#crashes,
      coldStarts: this.#coldStarts,
      deletesLost: this.#deletesLost,
      completeAttemptsFailed: this.#completeAttemptsFailed,
      completionsRecoveredByRetry: this.#completionsRecovered,
    };
  }

  /** The SQS handler the pump invokes. */
  readonly handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    this.#invoke(event, context);

  async #invoke(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
    const { faults, windows } = this.#options;
    this.#invocations++;
    if (!this.#worker && this.#options.ledger) {
      this.#worker = this.#options.ledger.worker();
      this.#coldStarts++;
    }
    const worker = this.#worker;
    const invocation = new CrashSwitch('consumer');
    const crashAfterSends = faults.roll(FaultSite.CONSUMER_CRASH)
      ? 1 + faults.pick(FaultSite.CONSUMER_CRASH, event.Records.length)
      : undefined;
    // Sends the provider accepted in this invocation that the ledger has not recorded as
    // completed; `completing` holds those whose `complete` was tried and failed.
    const uncompleted = new Set<string>();
    const completing = new Set<string>();
    let accepted = 0;
    const crash = (after: string) => {
      if (invocation.crashed) return;
      for (const id of uncompleted) windows.open(id, WindowCause.CRASH_AFTER_SEND);
      uncompleted.clear();
      this.#crashes++;
      // The sandbox is gone; the next invocation cold-starts with a ledger worker of its own.
      this.#worker = undefined;
      invocation.crash(after);
    };

    const send = <N extends Notification>(
      notification: N,
      context: SendContext,
      provider: (n: N, c: SendContext) => Promise<SendResult>,
    ): Promise<SendResult> =>
      invocation.guard(async () => {
        const address = firstAddress(notification);
        if (this.#options.undeliverable(address)) {
          throw new SendError({
            channel: notification.kind,
            reason: 'MessageRejected',
            permanent: true,
            message: `SES rejected the send: "${address}" is on the account's suppression list`,
          });
        }
        if (faults.roll(FaultSite.SENDER_TRANSIENT)) {
          throw transientSendError(faults.pick(FaultSite.SENDER_TRANSIENT, 4), address);
        }
        // RecordingSenders records on the call itself: from here the provider has the send.
        const pending = provider(notification, context);
        uncompleted.add(context.notificationId);
        const result = await pending;
        if (invocation.crashed) return never<SendResult>();
        if (faults.roll(FaultSite.SENDER_TIMEOUT_AFTER_ACCEPT)) {
          uncompleted.delete(context.notificationId);
          windows.open(context.notificationId, WindowCause.TIMEOUT_AFTER_ACCEPT);
          throw transientSendError(0, address);
        }
        accepted++;
        if (accepted === crashAfterSends) {
          crash(`${accepted} accepted send(s)`);
          return never<SendResult>();
        }
        return result;
      });

    const { provider } = this.#options;
    const senders: NotificationSenders = {
      sendEmail: (n, c) => send(n, c, (x, y) => provider.sendEmail(x, y)),
      sendPush: (n, c) => send(n, c, (x, y) => provider.sendPush(x, y)),
      sendWebhook: (n, c) => send(n, c, (x, y) => provider.sendWebhook(x, y)),
    };
    const ledger: NotificationLedger | undefined = worker && {
      claim: (id, leaseUntil) => invocation.guard(() => worker.claim(id, leaseUntil)),
      complete: (id, result) =>
        invocation.guard(async () => {
          try {
            await worker.complete(id, result);
          } catch (error) {
            this.#completeAttemptsFailed++;
            // A completion whose response was lost did apply: nothing is left open.
            if (this.#options.ledger?.status(id) === 'completed') uncompleted.delete(id);
            else completing.add(id);
            throw error;
          }
          if (completing.delete(id)) this.#completionsRecovered++;
          uncompleted.delete(id);
        }),
      release: (id) => invocation.guard(() => worker.release(id)),
    };
    const handler = createConsumerHandler({
      senders,
      ledger: ledger && {
        store: ledger,
        completeRetry: { sleep: this.#options.sleep ?? (async () => {}) },
      },
      router: this.#options.router,
      queueSpec: this.#options.queueSpec,
      deadLetters: {
        deadLetter: (record, info) =>
          invocation.guard(() => this.#options.deadLetters.deadLetter(record, info)),
      },
      visibility: {
        changeVisibility: (handle, seconds) =>
          invocation.guard(() => this.#options.visibility.changeVisibility(handle, seconds)),
      },
      clock: this.#options.clock,
      retry: { random: this.#options.random, maxReceiveCount: this.#options.maxReceiveCount },
    });

    const response = await invocation.run(
      (async () => {
        const result = await handler(event, context);
        // The consumer gave up on these completions (every attempt failed, or the lease had no
        // time left for another): the ledger never heard of an accepted send.
        for (const id of completing) {
          if (uncompleted.delete(id)) windows.open(id, WindowCause.COMPLETE_FAILED);
        }
        // A crash rolled for a send that never came: the invocation ran to the end and timed
        // out before answering, so the whole batch comes back.
        if (crashAfterSends !== undefined) crash(`all ${accepted} accepted send(s)`);
        return result;
      })(),
    );

    if (faults.roll(FaultSite.SQS_DELETE_LOST)) {
      const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      const done = event.Records.filter((r) => !failed.has(r.messageId));
      const lost = done[faults.pick(FaultSite.SQS_DELETE_LOST, Math.max(1, done.length))];
      if (lost) {
        this.#deletesLost++;
        // Not deleted: SQS makes it visible again when its visibility timeout ends.
        return {
          batchItemFailures: [...response.batchItemFailures, { itemIdentifier: lost.messageId }],
        };
      }
    }
    return response;
  }
}
