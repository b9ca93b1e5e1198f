/**
 * Outboxes and queues with a schema per event type. The `@ts-expect-error` and
 * `expectTypeOf` lines are checked by `tsc` (the test tree is in tsconfig.json), the rest by
 * vitest; a line under `@ts-expect-error` also runs, so it asserts what happens at run time
 * to a caller that casts past the types.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { isPermanentError } from '../../lambdas/errors.ts';
import type { IntegrationEvent } from '../../lambdas/events/types.ts';
import { defineOutbox, type OutboxSpec } from '../../lambdas/outbox/defineOutbox.ts';
import { defineQueue, type QueueSpec } from '../../lambdas/outbox/defineQueue.ts';
import { PayloadValidationError, UnknownEventTypeError } from '../../lambdas/outbox/errors.ts';
import { outboxTransactItem } from '../../lambdas/outbox/outboxTransactItem.ts';
import { constantBytes, fakeClock, thrownBy } from '../helpers/events.ts';

const UserRegistered = z.object({ userId: z.string().min(1), email: z.email() });
/** Input and output differ: `deletedAt` goes in as a string and comes out as a Date. */
const UserDeleted = z.object({
  userId: z.string().min(1),
  deletedAt: z.iso.datetime().transform((at) => new Date(at)),
});
const OrderShipped = z.object({ orderId: z.string().min(1), email: z.email() });

const DELETED_AT = '2025-01-01T00:00:00Z';

function usersOutbox() {
  return defineOutbox({
    name: 'users',
    schema: { 'user.registered': UserRegistered, 'user.deleted': UserDeleted },
    clock: fakeClock(),
    random: constantBytes(0x42),
  });
}

function notificationsQueue() {
  return defineQueue({
    name: 'notifications',
    schema: { 'user.registered': UserRegistered, 'order.shipped': OrderShipped },
  });
}

describe('defineOutbox with a schema per event type', () => {
  it("validates each event type with its own schema and returns that schema's output", () => {
    // Arrange
    const outbox = usersOutbox();

    // Act
    const registered = outbox.stage('user.registered', { userId: 'u-1', email: 'a@example.com' });
    const deleted = outbox.stage('user.deleted', { userId: 'u-1', deletedAt: DELETED_AT });

    // Assert
    expect(registered.payload).toEqual({ userId: 'u-1', email: 'a@example.com' });
    expect(deleted.eventType).toBe('user.deleted');
    expect(deleted.payload).toEqual({ userId: 'u-1', deletedAt: new Date(DELETED_AT) });
  });

  it("rejects a payload that fits another type's schema but not its own", () => {
    // Arrange
    const outbox = usersOutbox();
    let staged: unknown;

    // Act
    const error = thrownBy(() => {
      staged = outbox.stage('user.deleted', {
        userId: 'u-1',
        // @ts-expect-error a user.registered payload is not a user.deleted one
        email: 'a@example.com',
      });
    });

    // Assert
    expect(staged).toBeUndefined();
    expect(error).toBeInstanceOf(PayloadValidationError);
    expect((error as PayloadValidationError).eventType).toBe('user.deleted');
    expect((error as PayloadValidationError).issues.map((i) => i.path)).toEqual(['deletedAt']);
  });

  it('throws a permanent UnknownEventTypeError naming the outbox, the type and the known types, staging nothing', () => {
    // Arrange
    const outbox = usersOutbox();
    let staged: unknown;

    // Act
    const error = thrownBy(() => {
      // @ts-expect-error 'order.shipped' is not a key of the outbox's map
      staged = outbox.stage('order.shipped', { orderId: 'o-1', email: 'a@example.com' });
    });

    // Assert
    expect(staged).toBeUndefined();
    expect(error).toBeInstanceOf(UnknownEventTypeError);
    const unknown = error as UnknownEventTypeError;
    expect(unknown.source).toBe('outbox "users"');
    expect(unknown.eventType).toBe('order.shipped');
    expect(unknown.knownTypes).toEqual(['user.registered', 'user.deleted']);
    expect(unknown.message).toBe(
      'outbox "users" has no schema for event type "order.shipped"; it knows "user.registered", "user.deleted"',
    );
    expect(isPermanentError(unknown)).toBe(true);
  });

  it("does not take an Object.prototype member's name for an event type in the map", () => {
    // Arrange
    const outbox = usersOutbox();

    // Act
    // @ts-expect-error 'toString' is not a key of the outbox's map
    const error = thrownBy(() => outbox.stage('toString', {}));

    // Assert
    expect(error).toBeInstanceOf(UnknownEventTypeError);
  });

  it('keeps the map it was defined with, so adding to the object later adds no type', () => {
    // Arrange
    const schema: Record<string, typeof UserRegistered> = { 'user.registered': UserRegistered };
    const outbox = defineOutbox({ name: 'users', schema });

    // Act
    schema['user.deleted'] = UserRegistered;
    const error = thrownBy(() =>
      outbox.stage('user.deleted', { userId: 'u-1', email: 'a@example.com' }),
    );

    // Assert
    expect(error).toBeInstanceOf(UnknownEventTypeError);
    expect(Object.isFrozen(outbox.schema)).toBe(true);
    expect(Object.keys(outbox.schema)).toEqual(['user.registered']);
  });

  it('makes outboxTransactItem throw UnknownEventTypeError for a type the map lacks, before any item exists', () => {
    // Act
    const error = thrownBy(() =>
      outboxTransactItem({
        tableName: 'tidings',
        outbox: usersOutbox(),
        // @ts-expect-error 'order.shipped' is not a key of the outbox's map
        eventType: 'order.shipped',
        payload: { userId: 'u-1', email: 'a@example.com' },
      }),
    );

    // Assert
    expect(error).toBeInstanceOf(UnknownEventTypeError);
  });

  it('builds the outbox item of a type in the map with its schema output', () => {
    // Act
    const entry = outboxTransactItem({
      tableName: 'tidings',
      outbox: usersOutbox(),
      eventType: 'user.deleted',
      payload: { userId: 'u-1', deletedAt: DELETED_AT },
    });

    // Assert
    expect(entry.event.eventType).toBe('user.deleted');
    expect(entry.event.payload.deletedAt).toEqual(new Date(DELETED_AT));
    expect(entry.outboxItem.eventType).toBe('user.deleted');
  });
});

describe('defineQueue with a schema per event type', () => {
  it("parses each event type with its own schema: an order payload shaped like a user's is rejected", () => {
    // Arrange
    const queue = notificationsQueue();
    const userShaped = { userId: 'u-1', email: 'a@example.com' };

    // Act
    const registered = queue.parse(userShaped, 'user.registered');
    const error = thrownBy(() => queue.parse(userShaped, 'order.shipped'));

    // Assert
    expect(registered).toEqual(userShaped);
    expect(error).toBeInstanceOf(PayloadValidationError);
    const validation = error as PayloadValidationError;
    expect(validation.source).toBe('queue "notifications"');
    expect(validation.eventType).toBe('order.shipped');
    expect(validation.issues.map((i) => i.path)).toEqual(['orderId']);
  });

  it('throws a permanent UnknownEventTypeError for a consumed type the map lacks', () => {
    // Arrange
    const queue = notificationsQueue();
    const consumedType: string = 'user.deleted';

    // Act
    const error = thrownBy(() => queue.parse({ userId: 'u-1' }, consumedType));

    // Assert
    expect(error).toBeInstanceOf(UnknownEventTypeError);
    const unknown = error as UnknownEventTypeError;
    expect(unknown.source).toBe('queue "notifications"');
    expect(unknown.eventType).toBe('user.deleted');
    expect(unknown.knownTypes).toEqual(['user.registered', 'order.shipped']);
    expect(isPermanentError(unknown)).toBe(true);
  });

  it('throws UnknownEventTypeError when no event type is given to pick a schema with', () => {
    // Act
    const error = thrownBy(() =>
      notificationsQueue().parse({ userId: 'u-1', email: 'a@example.com' }),
    );

    // Assert
    expect(error).toBeInstanceOf(UnknownEventTypeError);
    expect((error as UnknownEventTypeError).eventType).toBeUndefined();
    expect((error as Error).message).toBe(
      'queue "notifications" has no schema for an event without a type; it knows "user.registered", "order.shipped"',
    );
  });
});

describe('checking the schema option at define time', () => {
  const define = {
    outbox: (schema: unknown) =>
      defineOutbox({ name: 'users', schema: schema as typeof UserRegistered }),
    queue: (schema: unknown) =>
      defineQueue({ name: 'notifications', schema: schema as typeof UserRegistered }),
  };

  it.each([
    ['an empty map', {}, 'schema map must name at least one event type'],
    ['an empty key', { '': UserRegistered }, 'schema map has an empty event type ""'],
    ['a blank key', { ' ': UserRegistered }, 'schema map has an empty event type " "'],
    [
      'a value that is not a Standard Schema',
      { 'user.registered': UserRegistered, 'user.deleted': { userId: 'string' } },
      'schema for event type "user.deleted" is not a Standard Schema, got an object without "~standard"',
    ],
    [
      'a value that is undefined',
      { 'user.registered': undefined },
      'schema for event type "user.registered" is not a Standard Schema, got undefined',
    ],
    ['an array', [UserRegistered], 'got an array'],
    ['null', null, 'got null'],
    ['a string', 'user.registered', 'got string'],
    ['"~standard" without validate', { '~standard': { version: 1 } }, 'no validate function'],
  ])('refuses %s with a TypeError naming the outbox or queue', (_, schema, message) => {
    // Act
    const outboxError = thrownBy(() => define.outbox(schema));
    const queueError = thrownBy(() => define.queue(schema));

    // Assert
    expect(outboxError).toBeInstanceOf(TypeError);
    expect((outboxError as Error).message).toMatch(/^outbox "users": /);
    expect((outboxError as Error).message).toContain(message);
    expect(queueError).toBeInstanceOf(TypeError);
    expect((queueError as Error).message).toMatch(/^queue "notifications": /);
    expect((queueError as Error).message).toContain(message);
  });

  it('takes a schema that is a function, as arktype builds them', () => {
    // Arrange
    const callable = Object.assign(() => undefined, { '~standard': UserRegistered['~standard'] });

    // Act
    const queue = defineQueue({ name: 'notifications', schema: { 'user.registered': callable } });

    // Assert
    expect(queue.parse({ userId: 'u-1', email: 'a@example.com' }, 'user.registered')).toEqual({
      userId: 'u-1',
      email: 'a@example.com',
    });
  });
});

describe('types of stage and parse', () => {
  it('types stage per event type with a map: the keys, their inputs and their outputs', () => {
    // Arrange
    const outbox = usersOutbox();

    // Act
    const deleted = outbox.stage('user.deleted', { userId: 'u-1', deletedAt: DELETED_AT });

    // Assert
    expectTypeOf(deleted).toEqualTypeOf<IntegrationEvent<{ userId: string; deletedAt: Date }>>();
    expectTypeOf(outbox.stage<'user.registered'>)
      .parameter(1)
      .toEqualTypeOf<{ userId: string; email: string }>();
    expectTypeOf(outbox.stage<'user.deleted'>)
      .parameter(1)
      .toEqualTypeOf<{ userId: string; deletedAt: string }>();
    expect(deleted.payload.deletedAt.getTime()).toBe(Date.parse(DELETED_AT));
    const anyType: string = 'user.registered';
    // @ts-expect-error with a map, an event type must be one of its keys, not any string
    expect(() => outbox.stage(anyType, { userId: 'u-1', email: 'a@example.com' })).not.toThrow();
  });

  it('keeps the one-schema form typed as before: any event type, the schema input and output', () => {
    // Arrange
    const outbox = defineOutbox({ name: 'users', schema: UserDeleted });
    const anyType: string = 'user.deleted';

    // Act
    const event = outbox.stage(anyType, { userId: 'u-1', deletedAt: DELETED_AT });

    // Assert
    expectTypeOf(event).toEqualTypeOf<IntegrationEvent<{ userId: string; deletedAt: Date }>>();
    expectTypeOf(outbox).toEqualTypeOf<OutboxSpec<typeof UserDeleted>>();
    expect(event.payload.deletedAt).toEqual(new Date(DELETED_AT));
    expect(() =>
      // @ts-expect-error deletedAt goes in as a string
      outbox.stage(anyType, { userId: 'u-1', deletedAt: new Date(DELETED_AT) }),
    ).toThrow(PayloadValidationError);
  });

  it("types parse by a known type as its schema's output, by any string as unknown", () => {
    // Arrange
    const queue = notificationsQueue();
    const single = defineQueue({ name: 'notifications', schema: UserDeleted });
    const consumedType: string = 'order.shipped';
    const order = { orderId: 'o-1', email: 'a@example.com' };
    const deletion = { userId: 'u-1', deletedAt: DELETED_AT };

    // Act
    const known = queue.parse(order, 'order.shipped');
    const consumed = queue.parse(order, consumedType);
    const fromSingle = single.parse(deletion);
    const fromSingleTyped = single.parse(deletion, consumedType);

    // Assert
    expectTypeOf(known).toEqualTypeOf<{ orderId: string; email: string }>();
    expectTypeOf(consumed).toBeUnknown();
    expectTypeOf(fromSingle).toEqualTypeOf<{ userId: string; deletedAt: Date }>();
    expectTypeOf(fromSingleTyped).toEqualTypeOf<{ userId: string; deletedAt: Date }>();
    expect(consumed).toEqual(order);
    expect(fromSingle.deletedAt).toEqual(new Date(DELETED_AT));
  });

  it('lets either form stand where a QueueSpec is taken (the consumer)', () => {
    // Arrange
    const map = notificationsQueue();
    const single = defineQueue({ name: 'notifications', schema: UserRegistered });

    // Act
    const specs: QueueSpec[] = [map, single];

    // Assert
    expectTypeOf(map).toExtend<QueueSpec>();
    expectTypeOf(single).toExtend<QueueSpec>();
    expect(specs.map((spec) => spec.name)).toEqual(['notifications', 'notifications']);
  });
});
