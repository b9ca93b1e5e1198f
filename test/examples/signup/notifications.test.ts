import { describe, expect, it } from 'vitest';
import {
  notifications,
  USER_REGISTERED,
  type UserRegistered,
  userNotificationsQueue,
  usersOutbox,
} from '../../../examples/signup/notifications.ts';
import { isNotificationsDefinition } from '../../../lambdas/notifications/defineNotifications.ts';
import { FrozenRouterError } from '../../../lambdas/notifications/errors.ts';
import { validateNotification } from '../../../lambdas/notifications/validateNotification.ts';
import type { EmailNotification } from '../../../lambdas/ports.ts';
import { makeEvent } from '../../helpers/events.ts';

function registered(payload: UserRegistered) {
  return makeEvent<UserRegistered>({ eventType: USER_REGISTERED, payload });
}

const USER_ID = '0194a3f2-7c00-7a1b-8c2d-3e4f5a6b7c8d';

describe("the signup example's notifications", () => {
  it('is one defineNotifications module named users, whose outbox and queue the example exports', () => {
    // Assert
    expect(isNotificationsDefinition(notifications)).toBe(true);
    expect(notifications.name).toBe('users');
    expect(Object.keys(notifications.events)).toEqual([USER_REGISTERED]);
    expect(usersOutbox).toBe(notifications.outbox);
    expect(userNotificationsQueue).toBe(notifications.queue);
  });

  it('sends exactly one welcome email to the address in a user.registered payload', () => {
    // Arrange
    const router = notifications.router;

    // Act
    const resolved = router.resolve(
      registered({ userId: USER_ID, email: 'ada@example.com', name: 'Ada' }),
    );

    // Assert
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({ kind: 'email', to: 'ada@example.com' });
    expect(() => validateNotification(resolved[0])).not.toThrow();
  });

  it('carries no text the signup chose, not even the name, to the unconfirmed address', () => {
    // Act
    const [email] = notifications.router.resolve(
      registered({ userId: USER_ID, email: 'ada@example.com', name: 'Ada' }),
    ) as EmailNotification[];

    // Assert
    expect(email?.body.startsWith('Hi,\n')).toBe(true);
    expect(JSON.stringify(email)).not.toContain('Ada');
  });

  it('greets without a name when the payload has none', () => {
    // Act
    const [email] = notifications.router.resolve(
      registered({ userId: USER_ID, email: 'ada@example.com' }),
    ) as EmailNotification[];

    // Assert
    expect(email?.body.startsWith('Hi,')).toBe(true);
    expect(email?.body).not.toContain('undefined');
    expect(email?.html).toContain('<p>Hi,</p>');
  });

  it('puts nothing of a name with markup into the HTML or the text body', () => {
    // Arrange
    const name = `<script>alert("x")</script> & 'Bob'`;

    // Act
    const [email] = notifications.router.resolve(
      registered({ userId: USER_ID, email: 'ada@example.com', name }),
    ) as EmailNotification[];

    // Assert
    expect(email?.html).not.toContain('script');
    expect(email?.body).not.toContain('script');
    expect(JSON.stringify(email)).not.toContain('Bob');
  });

  it('maps nothing for other event types', () => {
    // Act
    const resolved = notifications.router.resolve(makeEvent({ eventType: 'user.deleted' }));

    // Assert
    expect(resolved).toEqual([]);
  });

  it('returns a frozen router', () => {
    // Arrange
    const router = notifications.router;

    // Act / Assert
    expect(router.frozen).toBe(true);
    expect(() => router.register('user.deleted', () => [])).toThrow(FrozenRouterError);
    expect(router.eventTypes()).toEqual([USER_REGISTERED]);
  });
});
