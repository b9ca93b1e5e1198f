import * as z from 'zod/mini';
import { defineOutbox } from '../outbox/defineOutbox.ts';
import { defineQueue } from '../outbox/defineQueue.ts';
import '../zodLocale.ts';

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

/**
 * The app's events, each type with its payload schema: the outbox stages only these types and
 * the consumer validates each with its own schema. Add an event type here, with its schema,
 * before staging it; a mapper for it goes in `router.ts`.
 */
export const UserEvents = { [USER_REGISTERED]: UserRegistered };

/** The queue user events are relayed to; its consumer validates payloads per event type. */
export const userNotificationsQueue = defineQueue({
  name: 'notifications',
  schema: UserEvents,
});

/** The outbox signups stage `user.registered` into. */
export const usersOutbox = defineOutbox({
  name: 'users',
  schema: UserEvents,
});
