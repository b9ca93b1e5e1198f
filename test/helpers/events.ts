import type { Clock, RandomBytes } from '../../lambdas/events/ids.ts';
import { headersForEvent } from '../../lambdas/events/integrationEventFromQueueMessage.ts';
import type { IntegrationEvent, QueueMessage } from '../../lambdas/events/types.ts';
import type { StoredEvent } from '../../lambdas/outbox/outboxItem.ts';
import type {
  EmailNotification,
  PushNotification,
  WebhookNotification,
} from '../../lambdas/ports.ts';

/** A fixed instant tests start from: 2025-01-01T00:00:00.000Z. */
export const T0 = Date.UTC(2025, 0, 1);

/** Fixed event ids, canonical lower-case UUIDs. */
export const EVENT_ID = '0194a3f2-7c00-7a1b-8c2d-3e4f5a6b7c8d';
/** A second fixed event id. */
export const OTHER_EVENT_ID = '0194a3f2-7c00-7a1b-8c2d-3e4f5a6b7c8e';

/** A clock that reads `start` and moves only when the test says so. */
export function fakeClock(
  start: number = T0,
): Clock & { advance(ms: number): void; set(ms: number): void } {
  let now = start;
  const clock = () => now;
  return Object.assign(clock, {
    advance(ms: number) {
      now += ms;
    },
    set(ms: number) {
      now = ms;
    },
  });
}

/** Random bytes that are always `fill`, so ids built from them are predictable. */
export function constantBytes(fill: number): RandomBytes {
  return (size) => new Uint8Array(size).fill(fill);
}

/** An event with every envelope field set unless overridden. */
export function makeEvent<P = { userId: string }>(
  overrides: Partial<IntegrationEvent<P>> = {},
): IntegrationEvent<P> {
  return {
    eventId: EVENT_ID,
    eventType: 'user.registered',
    payload: { userId: 'u-1' } as P,
    occurredAt: new Date(T0).toISOString(),
    correlationId: 'corr-1',
    causationId: 'cause-1',
    orderingKey: 'user-1',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    ...overrides,
  };
}

/** A queue message with no `eventId` header unless given, on queue `notifications`. */
export function makeQueueMessage<P = unknown>(
  overrides: Partial<QueueMessage<P>> = {},
): QueueMessage<P> {
  return {
    id: 'msg-1',
    queue: 'notifications',
    type: 'user.registered',
    headers: {},
    payload: { userId: 'u-1' } as P,
    receiveCount: 1,
    ...overrides,
  };
}

/** The queue message a relayed event arrives as: its headers, its ordering key as the key. */
export function queueMessageFor<P>(
  event: IntegrationEvent<P>,
  overrides: Partial<QueueMessage<P>> = {},
): QueueMessage<P> {
  return {
    id: `sqs-${event.eventId}`,
    queue: 'notifications',
    type: event.eventType,
    ...(event.orderingKey ? { key: event.orderingKey } : {}),
    headers: headersForEvent(event),
    payload: event.payload,
    receiveCount: 1,
    ...overrides,
  };
}

/** An event as read back from the outbox `users`, bound for `notifications`. */
export function makeStoredEvent(overrides: Partial<IntegrationEvent> = {}): StoredEvent {
  return { event: makeEvent(overrides), outbox: 'users' };
}

/** `n` distinct v7-shaped event ids, in increasing order. */
export function eventIds(n: number): string[] {
  return Array.from(
    { length: n },
    (_, i) => `0194a3f2-7c00-7a1b-8c2d-${i.toString(16).padStart(12, '0')}`,
  );
}

/** A valid email notification. */
export function emailNotification(overrides: Partial<EmailNotification> = {}): EmailNotification {
  return { kind: 'email', to: 'ada@example.com', subject: 'Hello', body: 'Hi Ada', ...overrides };
}

/** A valid push notification. */
export function pushNotification(overrides: Partial<PushNotification> = {}): PushNotification {
  return {
    kind: 'push',
    deviceToken: 'arn:aws:sns:us-east-1:000000000000:endpoint/APNS/app/0000',
    title: 'Hello',
    body: 'Hi Ada',
    ...overrides,
  };
}

/** A valid webhook notification. */
export function webhookNotification(
  overrides: Partial<WebhookNotification> = {},
): WebhookNotification {
  return {
    kind: 'webhook',
    url: 'https://hooks.example.com/tidings',
    payload: { hello: 'world' },
    ...overrides,
  };
}

/** Runs `action` and returns what it threw (or undefined), for asserting on error fields. */
export function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Awaits `promise` and returns what it rejected with (or undefined). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return undefined;
}
