import type {
  EmailNotification,
  NotificationSenders,
  PushNotification,
  SendContext,
  SendResult,
  WebhookNotification,
} from '../ports.ts';
import type { Notification } from './types.ts';

/** One notification a `RecordingSenders` accepted. */
export interface RecordedSend<N extends Notification = Notification> {
  readonly notification: N;
  readonly context: SendContext;
}

/** Decides whether a send fails: return an error to throw it, or undefined to record the send. */
export type FaultInjector = (notification: Notification, context: SendContext) => Error | undefined;

/**
 * Senders that send nothing and record every notification, per channel and in order. For
 * tests and local runs; `fault` lets a test or the chaos suite make chosen sends fail.
 */
export class RecordingSenders implements NotificationSenders {
  readonly #sent: RecordedSend[] = [];
  readonly #fault: FaultInjector | undefined;

  constructor(options: { fault?: FaultInjector } = {}) {
    this.#fault = options.fault;
  }

  /** Everything sent, across channels, in order. */
  get sent(): readonly RecordedSend[] {
    return this.#sent;
  }

  /** Emails sent, in order. */
  get emails(): readonly RecordedSend<EmailNotification>[] {
    return this.#of('email');
  }

  /** Pushes sent, in order. */
  get pushes(): readonly RecordedSend<PushNotification>[] {
    return this.#of('push');
  }

  /** Webhooks sent, in order. */
  get webhooks(): readonly RecordedSend<WebhookNotification>[] {
    return this.#of('webhook');
  }

  /** Forgets everything recorded. */
  clear(): void {
    this.#sent.length = 0;
  }

  sendEmail(notification: EmailNotification, context: SendContext): Promise<SendResult> {
    return this.#record(notification, context);
  }

  sendPush(notification: PushNotification, context: SendContext): Promise<SendResult> {
    return this.#record(notification, context);
  }

  sendWebhook(notification: WebhookNotification, context: SendContext): Promise<SendResult> {
    return this.#record(notification, context);
  }

  #of<K extends Notification['kind']>(kind: K): RecordedSend<Extract<Notification, { kind: K }>>[] {
    return this.#sent.filter(
      (s): s is RecordedSend<Extract<Notification, { kind: K }>> => s.notification.kind === kind,
    );
  }

  async #record(notification: Notification, context: SendContext): Promise<SendResult> {
    const error = this.#fault?.(notification, context);
    if (error) throw error;
    this.#sent.push({ notification, context });
    return { providerMessageId: `recorded-${this.#sent.length}` };
  }
}
