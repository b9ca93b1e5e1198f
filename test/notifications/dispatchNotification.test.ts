import { describe, expect, it } from 'vitest';
import {
  dispatchNotification,
  sendContextFor,
} from '../../lambdas/notifications/dispatchNotification.ts';
import { UnknownNotificationKindError } from '../../lambdas/notifications/errors.ts';
import type { Notification } from '../../lambdas/notifications/types.ts';
import type { NotificationSenders, SendContext } from '../../lambdas/ports.ts';
import {
  EVENT_ID,
  emailNotification,
  makeEvent,
  pushNotification,
  rejectionOf,
  webhookNotification,
} from '../helpers/events.ts';

type Call = { method: keyof NotificationSenders; notification: Notification; context: SendContext };

/** Senders that note which method got what, and answer with the method's name. */
function tracingSenders(): NotificationSenders & { calls: Call[] } {
  const calls: Call[] = [];
  const record = (method: keyof NotificationSenders) => {
    return async (notification: Notification, context: SendContext) => {
      calls.push({ method, notification, context });
      return { providerMessageId: method };
    };
  };
  return {
    calls,
    sendEmail: record('sendEmail'),
    sendPush: record('sendPush'),
    sendWebhook: record('sendWebhook'),
  };
}

const context: SendContext = {
  eventId: EVENT_ID,
  eventType: 'user.registered',
  notificationId: `${EVENT_ID}:0`,
};

describe('dispatchNotification', () => {
  it.each([
    ['email', 'sendEmail', emailNotification()],
    ['push', 'sendPush', pushNotification()],
    ['webhook', 'sendWebhook', webhookNotification()],
  ] as const)('sends a %s through %s with the context', async (_, method, notification) => {
    // Arrange
    const senders = tracingSenders();

    // Act
    const result = await dispatchNotification(notification, senders, context);

    // Assert
    expect(senders.calls).toEqual([{ method, notification, context }]);
    expect(result).toEqual({ providerMessageId: method });
  });

  it('derives the context from the event and the index when given them instead', async () => {
    // Arrange
    const senders = tracingSenders();
    const event = makeEvent();

    // Act
    await dispatchNotification(pushNotification(), senders, { event, index: 2 });

    // Assert
    expect(senders.calls.map((c) => c.context)).toEqual([
      { eventId: EVENT_ID, eventType: 'user.registered', notificationId: `${EVENT_ID}:2` },
    ]);
  });

  it.each([-1, 1.5, Number.NaN])(
    'rejects with TypeError and calls no sender when the index is %s',
    async (index) => {
      // Arrange
      const senders = tracingSenders();

      // Act
      const error = await rejectionOf(
        dispatchNotification(emailNotification(), senders, { event: makeEvent(), index }),
      );

      // Assert
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain(String(index));
      expect(senders.calls).toEqual([]);
    },
  );

  it('rejects an unknown kind with UnknownNotificationKindError and calls no sender', async () => {
    // Arrange
    const senders = tracingSenders();
    const notification = { kind: 'sms', to: '+100' } as unknown as Notification;

    // Act
    const error = await rejectionOf(dispatchNotification(notification, senders, context));

    // Assert
    expect(error).toBeInstanceOf(UnknownNotificationKindError);
    expect((error as UnknownNotificationKindError).kind).toBe('sms');
    expect(senders.calls).toEqual([]);
  });
});

describe('sendContextFor', () => {
  it('names the notification <eventId>:<index>, the same for the same event and index', () => {
    // Act
    const first = sendContextFor(makeEvent(), 0);
    const again = sendContextFor(makeEvent({ payload: { userId: 'u-2' } }), 0);

    // Assert
    expect(first).toEqual(context);
    expect(again).toEqual(first);
  });
});
