import { SendError } from '../notifications/errors.ts';
import type { NotificationKind } from '../notifications/types.ts';
import type {
  EmailNotification,
  NotificationSenders,
  PushNotification,
  SendResult,
  WebhookNotification,
} from '../ports.ts';
import type { ChannelSender } from './types.ts';

/** The channel senders `composeSenders` joins; any may be left out. */
export interface ChannelSenders {
  readonly email?: ChannelSender<EmailNotification>;
  readonly push?: ChannelSender<PushNotification>;
  readonly webhook?: ChannelSender<WebhookNotification>;
}

function notConfigured(channel: NotificationKind): Promise<SendResult> {
  return Promise.reject(
    new SendError({
      channel,
      reason: 'channel-not-configured',
      permanent: true,
      message: `no ${channel} sender is configured, so ${channel} notifications cannot be sent`,
    }),
  );
}

/**
 * Joins one sender per channel into the `NotificationSenders` a consumer dispatches through.
 * A notification for a channel left out fails permanently (reason `channel-not-configured`)
 * and names the channel, so it lands on the dead-letter queue instead of retrying forever.
 *
 * @example
 * const senders = composeSenders({ email: new SesEmailSender({ fromAddress }) });
 */
export function composeSenders(channels: ChannelSenders): NotificationSenders {
  const { email, push, webhook } = channels;
  return {
    sendEmail: (notification, context) =>
      email ? email.send(notification, context) : notConfigured('email'),
    sendPush: (notification, context) =>
      push ? push.send(notification, context) : notConfigured('push'),
    sendWebhook: (notification, context) =>
      webhook ? webhook.send(notification, context) : notConfigured('webhook'),
  };
}
