import { z } from 'zod';
import { defineOutbox } from '../outbox/defineOutbox.ts';
import { defineQueue } from '../outbox/defineQueue.ts';

/** The event type staged when a user signs up. */
export const USER_REGISTERED = 'user.registered';

/** Payload of `user.registered`. */
export const UserRegistered = z.object({
  userId: z.uuid(),
  email: z.email(),
  name: z.string().min(1).max(200).optional(),
});

/** Payload of `user.registered`. */
export type UserRegistered = z.infer<typeof UserRegistered>;

/** The queue user events are relayed to; its consumer validates payloads with the schema. */
export const userNotificationsQueue = defineQueue({
  name: 'notifications',
  schema: UserRegistered,
});

/** The outbox signups stage `user.registered` into. */
export const usersOutbox = defineOutbox({
  name: 'users',
  schema: UserRegistered,
  destination: userNotificationsQueue,
});
