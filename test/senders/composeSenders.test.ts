import { describe, expect, it, vi } from 'vitest';
import { SendError } from '../../lambdas/notifications/errors.ts';
import type { SendContext } from '../../lambdas/ports.ts';
import { composeSenders } from '../../lambdas/senders/composeSenders.ts';
import {
  EVENT_ID,
  emailNotification,
  pushNotification,
  rejectionOf,
  webhookNotification,
} from '../helpers/events.ts';

const context: SendContext = {
  eventId: EVENT_ID,
  eventType: 'user.registered',
  notificationId: `${EVENT_ID}:0`,
};

describe('composeSenders', () => {
  it('hands each notification to the sender of its channel', async () => {
    // Arrange
    const email = { send: vi.fn(async () => ({ providerMessageId: 'e' })) };
    const push = { send: vi.fn(async () => ({ providerMessageId: 'p' })) };
    const webhook = { send: vi.fn(async () => ({})) };
    const senders = composeSenders({ email, push, webhook });

    // Act
    const results = [
      await senders.sendEmail(emailNotification(), context),
      await senders.sendPush(pushNotification(), context),
      await senders.sendWebhook(webhookNotification(), context),
    ];

    // Assert
    expect(results).toEqual([{ providerMessageId: 'e' }, { providerMessageId: 'p' }, {}]);
    expect(email.send).toHaveBeenCalledWith(emailNotification(), context);
    expect(push.send).toHaveBeenCalledWith(pushNotification(), context);
    expect(webhook.send).toHaveBeenCalledWith(webhookNotification(), context);
  });

  it.each([
    ['push', (s: ReturnType<typeof composeSenders>) => s.sendPush(pushNotification(), context)],
    [
      'webhook',
      (s: ReturnType<typeof composeSenders>) => s.sendWebhook(webhookNotification(), context),
    ],
  ])(
    'fails a %s notification permanently when that channel is not configured',
    async (channel, send) => {
      // Arrange
      const senders = composeSenders({ email: { send: async () => ({}) } });

      // Act
      const error = await rejectionOf(send(senders));

      // Assert
      expect(error).toBeInstanceOf(SendError);
      expect(error).toMatchObject({ channel, reason: 'channel-not-configured', permanent: true });
      expect((error as Error).message).toContain(channel);
    },
  );
});
