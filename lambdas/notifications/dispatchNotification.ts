import { UnknownNotificationKindError } from './errors.ts';
import type { Notification, NotificationSenders, SendContext, SendResult } from './types.ts';

/**
 * Sends one notification through the sender for its `kind`.
 * @throws UnknownNotificationKindError (permanent) for a kind that is not email, push or webhook.
 */
export function dispatchNotification(
  notification: Notification,
  senders: NotificationSenders,
  context: SendContext,
): Promise<SendResult> {
  switch (notification.kind) {
    case 'email':
      return senders.sendEmail(notification, context);
    case 'push':
      return senders.sendPush(notification, context);
    case 'webhook':
      return senders.sendWebhook(notification, context);
    default:
      return Promise.reject(
        new UnknownNotificationKindError((notification as { kind?: unknown }).kind),
      );
  }
}
