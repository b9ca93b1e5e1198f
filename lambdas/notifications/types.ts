import type { IntegrationEvent } from '../events/types.ts';
import type { EmailNotification, PushNotification, WebhookNotification } from '../ports.ts';

// Re-exported only while `processNotificationMessage.ts`, `aws/sqsConsumer.ts` and
// `consumer.ts` import them from here.
export type { NotificationLedger, NotificationSenders } from '../ports.ts';

/** The notification channels. */
export const NotificationKind = {
  EMAIL: 'email',
  PUSH: 'push',
  WEBHOOK: 'webhook',
} as const;

/** One of `'email' | 'push' | 'webhook'`. */
export type NotificationKind = (typeof NotificationKind)[keyof typeof NotificationKind];

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
 * Where a notification comes from: its event and its position in the list the event's mapper
 * returned. Enough to derive its `SendContext` (see `dispatchNotification`).
 */
export interface NotificationOrigin {
  readonly event: Pick<IntegrationEvent, 'eventId' | 'eventType'>;
  /** The notification's index in the mapper's list, from 0. */
  readonly index: number;
}
