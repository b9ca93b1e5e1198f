import { describe, expect, it } from 'vitest';
import { InvalidEnvelopeError } from '../../lambdas/events/errors.ts';
import { queueMessageFromReceived } from '../../lambdas/events/queueMessageFromReceived.ts';
import { Header } from '../../lambdas/events/types.ts';
import { NotificationRouter } from '../../lambdas/notifications/NotificationRouter.ts';
import { processNotificationMessage } from '../../lambdas/notifications/processNotificationMessage.ts';
import { RecordingSenders } from '../../lambdas/notifications/RecordingSenders.ts';
import { toOutgoingMessage } from '../../lambdas/outbox/relayEvents.ts';
import { MemoryQueue } from '../../lambdas/queue/MemoryQueue.ts';
import {
  EVENT_ID,
  emailNotification,
  fakeClock,
  makeEvent,
  T0,
  thrownBy,
} from '../helpers/events.ts';

/** A queue holding the relayed message of `makeEvent()`, sent at T0. */
async function queueWithEvent() {
  const clock = fakeClock(T0);
  const queue = new MemoryQueue({ name: 'notifications', clock, newId: () => 'm-1' });
  await queue.send(toOutgoingMessage({ event: makeEvent(), outbox: 'users' }, false));
  return { queue, clock };
}

describe('queueMessageFromReceived', () => {
  it('turns a MemoryQueue delivery into a message processNotificationMessage sends from', async () => {
    // Arrange
    const { queue } = await queueWithEvent();
    const router = new NotificationRouter()
      .register('user.registered', () => [emailNotification()])
      .freeze();
    const senders = new RecordingSenders();
    const [received] = queue.receive();
    if (!received) throw new Error('nothing was received');

    // Act
    const message = queueMessageFromReceived(received, queue.name);
    const result = await processNotificationMessage(message, { router, senders });

    // Assert
    expect(result.dispatched).toBe(1);
    expect(senders.emails.map((s) => s.context)).toEqual([
      { eventId: EVENT_ID, eventType: 'user.registered', notificationId: `${EVENT_ID}:0` },
    ]);
    expect(result.event).toEqual(makeEvent());
  });

  it("carries the delivery's message id, queue, attributes, receive count and send time", async () => {
    // Arrange
    const { queue, clock } = await queueWithEvent();
    const [first] = queue.receive({ visibilityTimeoutSeconds: 0 });
    clock.advance(1_000);
    const [second] = queue.receive();
    if (!first || !second) throw new Error('nothing was received');

    // Act
    const message = queueMessageFromReceived(second, queue.name);

    // Assert
    expect(message).toMatchObject({
      id: 'm-1',
      queue: 'notifications',
      type: 'user.registered',
      key: 'user-1',
      receiveCount: 2,
      sentAt: T0,
    });
    expect(message.headers?.[Header.EVENT_ID]).toBe(EVENT_ID);
    expect(message.headers?.[Header.CORRELATION_ID]).toBe('corr-1');
  });

  it('throws the permanent InvalidEnvelopeError for a body that is not an envelope', async () => {
    // Arrange
    const queue = new MemoryQueue({ name: 'notifications' });
    await queue.send({ body: 'welcome ada' });
    const [received] = queue.receive();
    if (!received) throw new Error('nothing was received');

    // Act
    const error = thrownBy(() => queueMessageFromReceived(received, queue.name));

    // Assert
    expect(error).toBeInstanceOf(InvalidEnvelopeError);
  });
});
