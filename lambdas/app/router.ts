import type { IntegrationEvent } from '../events/types.ts';
import { NotificationRouter } from '../notifications/NotificationRouter.ts';
import type { Notification } from '../notifications/types.ts';
import { USER_REGISTERED, type UserRegistered } from './userEvents.ts';

/** The welcome email for a new user. */
export function welcomeEmail(event: IntegrationEvent<UserRegistered>): Notification[] {
  const { email, name } = event.payload;
  const greeting = name ? `Hi ${name},` : 'Hi,';
  return [
    {
      kind: 'email',
      to: email,
      subject: 'Welcome to Tidings',
      body: `${greeting}\n\nYour account is ready. Thanks for signing up!\n`,
      html: `<p>${escapeHtml(greeting)}</p><p>Your account is ready. Thanks for signing up!</p>`,
    },
  ];
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The application's routing table: which notifications each event type sends.
 *
 * This is the place to add your own mappings: register a mapper per event type, e.g.
 * `.register<OrderShipped>('order.shipped', (e) => [{ kind: 'push', ... }])`. The consumer
 * Lambda and the local run both use this router.
 */
export function createAppRouter(): NotificationRouter {
  return new NotificationRouter().register<UserRegistered>(USER_REGISTERED, welcomeEmail).freeze();
}
