import { describe, expect, expectTypeOf, it } from 'vitest';
import * as z from 'zod';
import type { IntegrationEvent } from '../../lambdas/events/types.ts';
import {
  defineNotifications,
  isNotificationsDefinition,
  requireNotifications,
} from '../../lambdas/notifications/defineNotifications.ts';
import { FrozenRouterError } from '../../lambdas/notifications/errors.ts';
import { UnknownEventTypeError } from '../../lambdas/outbox/errors.ts';
import { thrownBy } from '../helpers/events.ts';

const InvoicePaid = z.object({ invoiceId: z.string(), email: z.email(), cents: z.number() });
const InvoiceOverdue = z.object({ invoiceId: z.string(), days: z.number() });

function billing() {
  return defineNotifications({
    name: 'billing',
    events: { 'invoice.paid': InvoicePaid, 'invoice.overdue': InvoiceOverdue },
    routes: {
      'invoice.paid': (event) => [
        {
          kind: 'email',
          to: event.payload.email,
          subject: `Invoice ${event.payload.invoiceId} paid`,
          body: `Thank you for ${(event.payload.cents / 100).toFixed(2)}.`,
        },
      ],
    },
  });
}

describe('defineNotifications', () => {
  it('gives each route its own event type’s payload type', () => {
    // Arrange / Act: the types are the assertion; the undeclared route also throws at run time.
    const define = () =>
      defineNotifications({
        name: 'typed',
        events: { 'invoice.paid': InvoicePaid, 'invoice.overdue': InvoiceOverdue },
        routes: {
          'invoice.paid': (event) => {
            expectTypeOf(event).toEqualTypeOf<IntegrationEvent<z.infer<typeof InvoicePaid>>>();
            return [];
          },
          'invoice.overdue': (event) => {
            expectTypeOf(event.payload.days).toEqualTypeOf<number>();
            return [];
          },
          // @ts-expect-error a route must name a declared event type
          'invoice.voided': () => [],
        },
      });

    // Assert
    expect(define).toThrow(/route "invoice.voided" names no event type/);
  });

  it('builds one outbox, one queue spec and one frozen router from the module', () => {
    // Act
    const notifications = billing();

    // Assert
    expect(notifications.name).toBe('billing');
    expect(notifications.outbox.name).toBe('billing');
    expect(notifications.queue.name).toBe('billing');
    expect(Object.keys(notifications.events)).toEqual(['invoice.paid', 'invoice.overdue']);
    expect(notifications.router.eventTypes()).toEqual(['invoice.paid']);
    expect(notifications.router.frozen).toBe(true);
    expect(() => notifications.router.register('invoice.overdue', () => [])).toThrow(
      FrozenRouterError,
    );
    expect(isNotificationsDefinition(notifications)).toBe(true);
  });

  it('stages only declared types, each validated with its own schema', () => {
    // Arrange
    const { outbox, queue } = billing();

    // Act
    const event = outbox.stage('invoice.overdue', { invoiceId: 'inv-1', days: 3 });
    const unknown = thrownBy(() => outbox.stage('invoice.voided' as never, {} as never));

    // Assert
    expect(event).toMatchObject({ eventType: 'invoice.overdue', payload: { days: 3 } });
    expect(queue.parse({ invoiceId: 'inv-1', days: 3 }, 'invoice.overdue')).toEqual({
      invoiceId: 'inv-1',
      days: 3,
    });
    expect(unknown).toBeInstanceOf(UnknownEventTypeError);
  });

  it('routes an event to its notifications with its typed payload', () => {
    // Arrange
    const { outbox, router } = billing();
    const event = outbox.stage('invoice.paid', {
      invoiceId: 'inv-7',
      email: 'ada@example.com',
      cents: 1250,
    });

    // Act
    const notifications = router.resolve(event);

    // Assert
    expect(notifications).toEqual([
      {
        kind: 'email',
        to: 'ada@example.com',
        subject: 'Invoice inv-7 paid',
        body: 'Thank you for 12.50.',
      },
    ]);
  });

  it.each([
    ['an empty name', { name: '' }, /notifications name must be 1-80/],
    ['a name with a space', { name: 'billing events' }, /notifications name must be 1-80/],
    ['a name over 80 characters', { name: 'x'.repeat(81) }, /notifications name must be 1-80/],
    ['one schema instead of a map', { events: InvoicePaid }, /must map each event type/],
    ['an empty map', { events: {} }, /at least one event type/],
    [
      'a route for an undeclared type',
      { routes: { 'invoice.voided': () => [] } },
      /route "invoice.voided" names no event type; declared: invoice.paid/,
    ],
    [
      'a route that is not a function',
      { routes: { 'invoice.paid': 'email' } },
      /route "invoice.paid" must be a function/,
    ],
  ])('refuses %s with a TypeError saying what is wrong', (_case, override, message) => {
    // Act
    const error = thrownBy(() =>
      defineNotifications({
        name: 'billing',
        events: { 'invoice.paid': InvoicePaid },
        routes: {},
        ...(override as object),
      } as never),
    );

    // Assert
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(message);
  });
});

describe('requireNotifications', () => {
  it('returns a definition and names what it got instead of one', () => {
    // Arrange
    const notifications = billing();

    // Act / Assert
    expect(requireNotifications(notifications, 'consumer')).toBe(notifications);
    expect(() => requireNotifications(undefined, 'consumer')).toThrow(
      /consumer: expected the notifications made by defineNotifications\(\), got undefined/,
    );
    expect(() => requireNotifications({ router: {} }, 'relay')).toThrow(/relay: expected/);
  });
});
