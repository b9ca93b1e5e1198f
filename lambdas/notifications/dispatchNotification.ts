import type { NotificationSenders, SendContext, SendResult } from '../ports.ts';
import { UnknownNotificationKindError } from './errors.ts';
import type { Notification, NotificationOrigin } from './types.ts';

/**
 * Sends one notification through the sender for its `kind`. The sender's context is given
 * whole, or derived from the notification's origin (its event and its index in the mapper's
 * list) as `sendContextFor` derives it, the way `processNotificationMessage` does, so ledger
 * keys and webhook ids match.
 *
 * @example
 * ```ts
 * const notifications = router.resolve(event);
 * for (const [index, notification] of notifications.entries()) {
 *   await dispatchNotification(notification, senders, { event, index });
 * }
 * ```
 *
 * @throws UnknownNotificationKindError (permanent) for a kind that is not email, push or webhook.
 * @throws TypeError when the origin's index is not a whole number from 0.
 */
export async function dispatchNotification(
  notification: Notification,
  senders: NotificationSenders,
  context: SendContext | NotificationOrigin,
): Promise<SendResult> {
  const sendContext = 'event' in context ? sendContextFor(context.event, context.index) : context;
  switch (notification.kind) {
    case 'email':
      return senders.sendEmail(notification, sendContext);
    case 'push':
      return senders.sendPush(notification, sendContext);
    case 'webhook':
      return senders.sendWebhook(notification, sendContext);
    default:
      throw new UnknownNotificationKindError((notification as { kind?: unknown }).kind);
  }
}

/**
 * The context of the `index`-th notification of an event: its id is `<eventId>:<index>`,
 * the same on every redelivery, so a ledger or a webhook receiver can deduplicate by it.
 * @throws TypeError when `index` is not a whole number from 0.
 */
export function sendContextFor(event: NotificationOrigin['event'], index: number): SendContext {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new TypeError(`notification index must be a whole number from 0: ${index}`);
  }
  return {
    eventId: event.eventId,
    eventType: event.eventType,
    notificationId: `${event.eventId}:${index}`,
  };
}
