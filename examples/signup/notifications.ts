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

/**
 * The welcome email for a new user. It carries no text the signup chose, not even the name:
 * nobody has confirmed that the address belongs to whoever signed up, so anyone can make
 * Tidings mail any address, and whatever the form lets them write would reach that inbox
 * under this service's name (a link, "your invoice is overdue, call ...", right-to-left
 * tricks). Mail after the address is confirmed may greet by name; the name is still refused at
 * signup when it holds control or invisible formatting characters or looks like a link
 * (`RegistrationInput`), and it travels in the event for such later mail.
 */
export function welcomeEmail(event: IntegrationEvent<UserRegistered>): Notification[] {
  return [
    {
      kind: 'email',
      to: event.payload.email,
      subject: 'Welcome to Tidings',
      body: 'Hi,\n\nYour account is ready. Thanks for signing up!\n',
      html: '<p>Hi,</p><p>Your account is ready. Thanks for signing up!</p>',
    },
  ];
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
