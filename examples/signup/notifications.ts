/**
 * The signup example's notifications module: its one event type with its schema, and the
 * welcome email it causes. The construct bundles this module into the relay, the sweeper and
 * the consumer (`notifications: { entry }` in stack.ts); registerUser.ts stages its events;
 * its tests render the route with `tidings/testing`.
 */
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import {
  defineNotifications,
  type IntegrationEvent,
  type Notification,
} from '../../lambdas/index.ts';

// zod/mini loads no locale; English issue messages for the schemas below.
if (!z.config().localeError) z.config(en());

/** The event type staged when a user signs up. */
export const USER_REGISTERED = 'user.registered';

/** Payload of `user.registered`. */
export const UserRegistered = z.object({
  userId: z.uuid(),
  email: z.email(),
  name: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
});

/** Payload of `user.registered`. */
export type UserRegistered = z.infer<typeof UserRegistered>;

/** The example's events, each type with its payload schema. */
export const UserEvents = { [USER_REGISTERED]: UserRegistered };

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

/** Events and routes of the signup example, in the one value the construct bundles. */
export const notifications = defineNotifications({
  name: 'users',
  events: UserEvents,
  routes: { [USER_REGISTERED]: welcomeEmail },
});

/** The outbox signups stage `user.registered` into. */
export const usersOutbox = notifications.outbox;

/** The queue spec the consumer validates `user.registered` payloads with. */
export const userNotificationsQueue = notifications.queue;
