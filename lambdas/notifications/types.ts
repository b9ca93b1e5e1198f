import type { IntegrationEvent } from '../events/types.ts';
import type { ClaimAnswer } from '../ledger/types.ts';

/** The notification channels. */
export const NotificationKind = {
  EMAIL: 'email',
  PUSH: 'push',
  WEBHOOK: 'webhook',
} as const;

/** One of `'email' | 'push' | 'webhook'`. */
export type NotificationKind = (typeof NotificationKind)[keyof typeof NotificationKind];

/** An email, sent with SES v2 on AWS. */
export interface EmailNotification {
  readonly kind: 'email';
  /** One address, or several. */
  readonly to: string | readonly string[];
  readonly subject: string;
  /** Plain-text body. */
  readonly body: string;
  /** Optional HTML body, sent alongside the text one. */
  readonly html?: string;
  readonly cc?: readonly string[];
  readonly replyTo?: string;
}

/** A mobile push, sent with SNS `Publish` to a platform endpoint on AWS. */
export interface PushNotification {
  readonly kind: 'push';
  /** The SNS platform endpoint ARN (`arn:aws:sns:...:endpoint/...`) of the device. */
  readonly deviceToken: string;
  readonly title: string;
  readonly body: string;
  /** Extra key/values delivered to the app with the push. */
  readonly data?: Readonly<Record<string, string>>;
}

/** An HTTPS POST of a JSON payload, signed per the Standard Webhooks spec. */
export interface WebhookNotification {
  readonly kind: 'webhook';
  readonly url: string;
  readonly payload: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A notification: a plain object, discriminated by `kind`. */
export type Notification = EmailNotification | PushNotification | WebhookNotification;

/**
 * Turns one event into zero or more notifications. It gets the whole event (typed payload,
 * id, metadata) so it can, for instance, put the event id into a webhook payload.
 */
export type NotificationMapper<P = unknown> = (
  event: IntegrationEvent<P>,
) => readonly Notification[];

/**
 * Context a sender gets with each notification: the event it came from and a stable
 * idempotency key for this one notification (the same on every redelivery), which the
 * webhook sender uses as `webhook-id` and the email sender as a message tag.
 */
export interface SendContext {
  readonly eventId: string;
  readonly eventType: string;
  /** Stable per notification: `<eventId>:<index>`. */
  readonly notificationId: string;
}

/**
 * Where a notification comes from: its event and its position in the list the event's mapper
 * returned. Enough to derive its `SendContext` (see `dispatchNotification`).
 */
export interface NotificationOrigin {
  readonly event: Pick<IntegrationEvent, 'eventId' | 'eventType'>;
  /** The notification's index in the mapper's list, from 0. */
  readonly index: number;
}

/** What a sender reports back: the provider's id for the sent message, where there is one. */
export interface SendResult {
  readonly providerMessageId?: string;
}

/**
 * The channels a consumer sends through. Shipped implementations: SES v2 email, SNS push,
 * HTTPS webhooks and `RecordingSenders` for tests and local runs; any object with these three
 * methods works.
 */
export interface NotificationSenders {
  sendEmail(notification: EmailNotification, context: SendContext): Promise<SendResult>;
  sendPush(notification: PushNotification, context: SendContext): Promise<SendResult>;
  sendWebhook(notification: WebhookNotification, context: SendContext): Promise<SendResult>;
}

/** What a ledger says when a notification is claimed before sending. */
export type ClaimOutcome =
  /** This caller holds the lease now: send, then `complete`. */
  | 'claimed'
  /** Sent before (a redelivery): skip it. */
  | 'completed'
  /** Another worker holds an unexpired lease: try again later. */
  | 'in-progress';

/**
 * The idempotency ledger a consumer claims each notification in before sending it, so a
 * redelivered message re-sends only the notifications that did not complete.
 */
export interface NotificationLedger {
  /**
   * Claims `notificationId` with a lease that expires at `leaseUntil` (epoch ms). When another
   * worker holds it, the answer says when that worker's lease ends, if the ledger knows.
   */
  claim(notificationId: string, leaseUntil: number): Promise<ClaimAnswer>;
  /** Marks a claimed notification sent. */
  complete(notificationId: string, result: SendResult): Promise<void>;
  /** Gives a claim back after a failed send, so a retry can claim it at once. */
  release(notificationId: string): Promise<void>;
}
