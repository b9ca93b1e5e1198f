import { describe, expect, it } from 'vitest';
import { RecordingSenders } from '../../lambdas/notifications/RecordingSenders.ts';
import type { SendContext } from '../../lambdas/ports.ts';
import {
  EVENT_ID,
  emailNotification,
  pushNotification,
  rejectionOf,
  webhookNotification,
} from '../helpers/events.ts';

function contextFor(index: number): SendContext {
  return {
    eventId: EVENT_ID,
    eventType: 'user.registered',
    notificationId: `${EVENT_ID}:${index}`,
  };
}

describe('RecordingSenders', () => {
  it('records each send per channel with its context', async () => {
    // Arrange
    const senders = new RecordingSenders();
    const email = emailNotification();
    const push = pushNotification();
    const webhook = webhookNotification();

    // Act
    await senders.sendEmail(email, contextFor(0));
    await senders.sendPush(push, contextFor(1));
    await senders.sendWebhook(webhook, contextFor(2));

    // Assert
    expect(senders.emails).toEqual([{ notification: email, context: contextFor(0) }]);
    expect(senders.pushes).toEqual([{ notification: push, context: contextFor(1) }]);
    expect(senders.webhooks).toEqual([{ notification: webhook, context: contextFor(2) }]);
  });

  it('records in send order across channels', async () => {
    // Arrange
    const senders = new RecordingSenders();

    // Act
    await senders.sendPush(pushNotification({ title: 'first' }), contextFor(0));
    await senders.sendEmail(emailNotification({ subject: 'second' }), contextFor(1));
    await senders.sendPush(pushNotification({ title: 'third' }), contextFor(2));

    // Assert
    expect(senders.sent.map((s) => s.context.notificationId)).toEqual([
      `${EVENT_ID}:0`,
      `${EVENT_ID}:1`,
      `${EVENT_ID}:2`,
    ]);
    expect(senders.pushes.map((s) => s.notification.title)).toEqual(['first', 'third']);
  });

  it('answers each send with a distinct provider message id', async () => {
    // Arrange
    const senders = new RecordingSenders();

    // Act
    const a = await senders.sendEmail(emailNotification(), contextFor(0));
    const b = await senders.sendEmail(emailNotification(), contextFor(1));

    // Assert
    expect(a.providerMessageId).toBeTruthy();
    expect(a.providerMessageId).not.toBe(b.providerMessageId);
  });

  it('throws the injected fault and records nothing for that send', async () => {
    // Arrange
    const boom = new Error('SES is down');
    const senders = new RecordingSenders({
      fault: (notification) => (notification.kind === 'email' ? boom : undefined),
    });

    // Act
    const error = await rejectionOf(senders.sendEmail(emailNotification(), contextFor(0)));
    await senders.sendPush(pushNotification(), contextFor(1));

    // Assert
    expect(error).toBe(boom);
    expect(senders.emails).toEqual([]);
    expect(senders.sent.map((s) => s.notification.kind)).toEqual(['push']);
  });

  it('passes the context to the fault injector', async () => {
    // Arrange
    const seen: SendContext[] = [];
    const senders = new RecordingSenders({
      fault: (_, context) => {
        seen.push(context);
        return undefined;
      },
    });

    // Act
    await senders.sendWebhook(webhookNotification(), contextFor(3));

    // Assert
    expect(seen).toEqual([contextFor(3)]);
  });

  it('forgets everything on clear', async () => {
    // Arrange
    const senders = new RecordingSenders();
    await senders.sendEmail(emailNotification(), contextFor(0));

    // Act
    senders.clear();

    // Assert
    expect(senders.sent).toEqual([]);
    expect(senders.emails).toEqual([]);
  });
});
