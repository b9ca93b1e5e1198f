import { describe, expect, it } from 'vitest';
import { isPermanentError } from '../../lambdas/errors.ts';
import type { IntegrationEvent } from '../../lambdas/events/types.ts';
import {
  DuplicateMapperError,
  FrozenRouterError,
  MapperError,
  SendError,
  UnmappedEventTypeError,
} from '../../lambdas/notifications/errors.ts';
import { NotificationRouter } from '../../lambdas/notifications/NotificationRouter.ts';
import type { Notification, NotificationMapper } from '../../lambdas/notifications/types.ts';
import {
  EVENT_ID,
  emailNotification,
  makeEvent,
  pushNotification,
  thrownBy,
} from '../helpers/events.ts';

const welcome: NotificationMapper = () => [emailNotification()];

describe('NotificationRouter', () => {
  describe('register', () => {
    it('is chainable and registers every type', () => {
      // Arrange
      const router = new NotificationRouter();

      // Act
      const returned = router.register('a', welcome).register('b', welcome);

      // Assert
      expect(returned).toBe(router);
      expect(router.eventTypes()).toEqual(['a', 'b']);
    });

    it('throws DuplicateMapperError naming the type when a type is registered twice', () => {
      // Arrange
      const router = new NotificationRouter().register('user.registered', welcome);

      // Act
      const error = thrownBy(() => router.register('user.registered', () => []));

      // Assert
      expect(error).toBeInstanceOf(DuplicateMapperError);
      expect((error as DuplicateMapperError).eventType).toBe('user.registered');
      expect((error as Error).message).toContain('"user.registered"');
    });

    it('keeps the first mapper when a duplicate is refused', () => {
      // Arrange
      const router = new NotificationRouter().register('user.registered', welcome);

      // Act
      thrownBy(() => router.register('user.registered', () => [pushNotification()]));

      // Assert
      expect(router.resolve(makeEvent())).toEqual([emailNotification()]);
    });

    it('refuses an empty event type', () => {
      // Act / Assert
      expect(() => new NotificationRouter().register('  ', welcome)).toThrow(TypeError);
    });
  });

  describe('resolve', () => {
    it('returns [] for an unmapped type', () => {
      // Arrange
      const router = new NotificationRouter().register('other', welcome);

      // Act
      const notifications = router.resolve(makeEvent({ eventType: 'user.registered' }));

      // Assert
      expect(notifications).toEqual([]);
    });

    it('returns what the mapper of the event type returns', () => {
      // Arrange
      const router = new NotificationRouter()
        .register('user.registered', welcome)
        .register('user.deleted', () => [pushNotification()]);

      // Act
      const notifications = router.resolve(makeEvent({ eventType: 'user.deleted' }));

      // Assert
      expect(notifications).toEqual([pushNotification()]);
    });

    it('gives the mapper the whole event: id, metadata and typed payload', () => {
      // Arrange
      const seen: IntegrationEvent<{ userId: string }>[] = [];
      const router = new NotificationRouter().register<{ userId: string }>(
        'user.registered',
        (event) => {
          seen.push(event);
          return [emailNotification({ subject: `user ${event.payload.userId}` })];
        },
      );
      const event = makeEvent({ payload: { userId: 'u-42' } });

      // Act
      const [notification] = router.resolve(event);

      // Assert
      expect(seen).toEqual([event]);
      expect(seen[0]).toMatchObject({
        eventId: EVENT_ID,
        correlationId: 'corr-1',
        causationId: 'cause-1',
        orderingKey: 'user-1',
      });
      expect(notification).toMatchObject({ subject: 'user u-42' });
    });

    it('surfaces a throwing mapper as a permanent MapperError with eventType, eventId and the cause', () => {
      // Arrange
      const cause = new Error('no template for locale');
      const router = new NotificationRouter().register('user.registered', () => {
        throw cause;
      });

      // Act
      const error = thrownBy(() => router.resolve(makeEvent()));

      // Assert
      expect(error).toBeInstanceOf(MapperError);
      const mapperError = error as MapperError;
      expect(mapperError.eventType).toBe('user.registered');
      expect(mapperError.eventId).toBe(EVENT_ID);
      expect(mapperError.cause).toBe(cause);
      expect(mapperError.message).toContain('no template for locale');
      expect(isPermanentError(mapperError)).toBe(true);
    });

    it('makes a MapperError transient when the mapper threw a transient Tidings error', () => {
      // Arrange
      const cause = new SendError({
        channel: 'email',
        reason: 'timeout',
        permanent: false,
        message: 'lookup timed out',
      });
      const router = new NotificationRouter().register('user.registered', () => {
        throw cause;
      });

      // Act
      const error = thrownBy(() => router.resolve(makeEvent()));

      // Assert
      expect(error).toBeInstanceOf(MapperError);
      expect(isPermanentError(error)).toBe(false);
    });

    it('throws MapperError when a mapper returns something that is not an array', () => {
      // Arrange
      const router = new NotificationRouter().register('user.registered', (() =>
        emailNotification()) as unknown as NotificationMapper);

      // Act
      const error = thrownBy(() => router.resolve(makeEvent()));

      // Assert
      expect(error).toBeInstanceOf(MapperError);
      expect((error as MapperError).eventId).toBe(EVENT_ID);
      expect((error as Error).message).toMatch(/expected an array/);
    });

    it('returns a copy the caller may change without changing the mapper result', () => {
      // Arrange
      const list: Notification[] = [emailNotification()];
      const router = new NotificationRouter().register('user.registered', () => list);

      // Act
      router.resolve(makeEvent()).push(pushNotification());

      // Assert
      expect(list).toHaveLength(1);
    });
  });

  describe('resolveOrThrow', () => {
    it('throws UnmappedEventTypeError naming the type', () => {
      // Arrange
      const router = new NotificationRouter().register('other', welcome);

      // Act
      const error = thrownBy(() => router.resolveOrThrow(makeEvent({ eventType: 'order.paid' })));

      // Assert
      expect(error).toBeInstanceOf(UnmappedEventTypeError);
      expect((error as UnmappedEventTypeError).eventType).toBe('order.paid');
      expect((error as UnmappedEventTypeError).eventId).toBe(EVENT_ID);
      expect((error as Error).message).toContain('"order.paid"');
    });

    it('resolves a mapped type', () => {
      // Arrange
      const router = new NotificationRouter().register('user.registered', welcome);

      // Act
      const notifications = router.resolveOrThrow(makeEvent());

      // Assert
      expect(notifications).toEqual([emailNotification()]);
    });
  });

  describe('freeze', () => {
    it('freezes the router it is called on and returns it', () => {
      // Arrange
      const router = new NotificationRouter().register('user.registered', welcome);

      // Act
      const returned = router.freeze();

      // Assert
      expect(returned).toBe(router);
      expect(router.frozen).toBe(true);
    });

    it('makes a later register on the same router throw FrozenRouterError', () => {
      // Arrange
      const router = new NotificationRouter().register('user.registered', welcome);
      router.freeze();

      // Act
      const error = thrownBy(() => router.register('user.deleted', welcome));

      // Assert
      expect(error).toBeInstanceOf(FrozenRouterError);
      expect((error as FrozenRouterError).eventType).toBe('user.deleted');
      expect(router.has('user.deleted')).toBe(false);
      expect(router.eventTypes()).toEqual(['user.registered']);
    });

    it('leaves the router resolving what was registered before', () => {
      // Arrange
      const router = new NotificationRouter().register('user.registered', welcome).freeze();

      // Act
      const notifications = router.resolve(makeEvent());

      // Assert
      expect(notifications).toEqual([emailNotification()]);
    });

    it('is not frozen before freeze is called', () => {
      // Act
      const router = new NotificationRouter().register('user.registered', welcome);

      // Assert
      expect(router.frozen).toBe(false);
    });
  });

  describe('constructor', () => {
    it('copies the table it is given, so later changes to it do not show', () => {
      // Arrange
      const table = new Map<string, NotificationMapper>([['user.registered', welcome]]);
      const router = new NotificationRouter(table);

      // Act
      table.set('user.deleted', welcome);

      // Assert
      expect(router.eventTypes()).toEqual(['user.registered']);
    });
  });
});
