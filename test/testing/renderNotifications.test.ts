import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { defineNotifications } from '../../lambdas/notifications/defineNotifications.ts';
import {
  InvalidNotificationError,
  MapperError,
  UnmappedEventTypeError,
} from '../../lambdas/notifications/errors.ts';
import { PayloadValidationError, UnknownEventTypeError } from '../../lambdas/outbox/errors.ts';
import { renderNotifications } from '../../lambdas/testing/index.ts';
import { thrownBy } from '../helpers/events.ts';

const OrderShipped = z.object({ orderId: z.string(), email: z.email(), hook: z.string() });
const OrderLost = z.object({ orderId: z.string() });

const orders = defineNotifications({
  name: 'orders',
  events: { 'order.shipped': OrderShipped, 'order.lost': OrderLost, 'order.noted': OrderLost },
  routes: {
    'order.shipped': (event) => [
      {
        kind: 'email',
        to: event.payload.email,
        subject: `Order ${event.payload.orderId} shipped`,
        body: 'On its way.',
      },
      { kind: 'webhook', url: event.payload.hook, payload: { id: event.eventId } },
    ],
    'order.lost': (event) => {
      throw new Error(`no route for lost order ${event.payload.orderId}`);
    },
  },
});

describe('renderNotifications', () => {
  it('stages, routes and validates one event: what the consumer would send', () => {
    // Act
    const { event, notifications } = renderNotifications(
      orders,
      'order.shipped',
      { orderId: 'o-1', email: 'ada@example.com', hook: 'https://hooks.example.com/orders' },
      { correlationId: 'req-1' },
    );

    // Assert
    expect(event).toMatchObject({
      eventType: 'order.shipped',
      correlationId: 'req-1',
      payload: { orderId: 'o-1' },
    });
    expect(notifications).toEqual([
      {
        kind: 'email',
        to: 'ada@example.com',
        subject: 'Order o-1 shipped',
        body: 'On its way.',
      },
      {
        kind: 'webhook',
        url: 'https://hooks.example.com/orders',
        payload: { id: event.eventId },
      },
    ]);
  });

  it('throws the typed error the pipeline would dead-letter with, for each kind of mistake', () => {
    // Act
    const unknownType = thrownBy(() =>
      renderNotifications(orders, 'order.voided' as never, {} as never),
    );
    const badPayload = thrownBy(() =>
      renderNotifications(orders, 'order.shipped', { orderId: 'o-1', email: 'nope', hook: 'x' }),
    );
    const unmapped = thrownBy(() => renderNotifications(orders, 'order.noted', { orderId: 'o-2' }));
    const mapperThrew = thrownBy(() =>
      renderNotifications(orders, 'order.lost', { orderId: 'o-3' }),
    );
    const insecureHook = thrownBy(() =>
      renderNotifications(orders, 'order.shipped', {
        orderId: 'o-4',
        email: 'ada@example.com',
        hook: 'http://hooks.example.com/orders',
      }),
    );

    // Assert
    expect(unknownType).toBeInstanceOf(UnknownEventTypeError);
    expect(badPayload).toBeInstanceOf(PayloadValidationError);
    expect((badPayload as PayloadValidationError).issues.map((i) => i.path)).toEqual(['email']);
    expect(unmapped).toBeInstanceOf(UnmappedEventTypeError);
    expect(mapperThrew).toBeInstanceOf(MapperError);
    expect(insecureHook).toBeInstanceOf(InvalidNotificationError);
  });

  it('accepts an http webhook to loopback only when allowed, as local runs do', () => {
    // Act
    const { notifications } = renderNotifications(
      orders,
      'order.shipped',
      { orderId: 'o-5', email: 'ada@example.com', hook: 'http://127.0.0.1:8080/hook' },
      { allowLoopbackHttp: true },
    );

    // Assert
    expect(notifications[1]).toMatchObject({ kind: 'webhook', url: 'http://127.0.0.1:8080/hook' });
  });
});
