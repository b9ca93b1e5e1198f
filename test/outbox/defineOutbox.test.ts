import type { StandardSchemaV1 } from '@standard-schema/spec';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isPermanentError } from '../../lambdas/errors.ts';
import { isUuid } from '../../lambdas/events/ids.ts';
import { defineOutbox } from '../../lambdas/outbox/defineOutbox.ts';
import { defineQueue } from '../../lambdas/outbox/defineQueue.ts';
import { AsyncSchemaError, PayloadValidationError } from '../../lambdas/outbox/errors.ts';
import { toOutgoingMessage } from '../../lambdas/outbox/relayEvents.ts';
import { constantBytes, EVENT_ID, fakeClock, T0, thrownBy } from '../helpers/events.ts';
import { RELATIVE_PATH_REFERENCE } from '../helpers/uriReference.ts';

const UserRegistered = z.object({
  userId: z.string().min(1),
  email: z.email(),
  profile: z.object({ age: z.number().int().min(13) }).optional(),
});

/** A Standard Schema that only validates asynchronously. */
const asyncSchema: StandardSchemaV1<unknown, unknown> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) => Promise.resolve({ value }),
  },
};

/** A Standard Schema that reports issues with object path segments. */
const segmentSchema: StandardSchemaV1<unknown, unknown> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: () => ({
      issues: [{ message: 'too many', path: [{ key: 'items' }, 3] }, { message: 'bad root' }],
    }),
  },
};

function usersOutbox(clock = fakeClock()) {
  return defineOutbox({
    name: 'users',
    schema: UserRegistered,
    clock,
    random: constantBytes(0x42),
  });
}

describe('defineOutbox', () => {
  describe('stage', () => {
    it('builds the event with a v7 id and occurredAt from the injected clock', () => {
      // Arrange
      const clock = fakeClock(T0 + 1234);
      const outbox = usersOutbox(clock);

      // Act
      const event = outbox.stage('user.registered', { userId: 'u-1', email: 'ada@example.com' });

      // Assert
      expect(event.occurredAt).toBe(new Date(T0 + 1234).toISOString());
      expect(event.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
      expect(Number.parseInt(event.eventId.replaceAll('-', '').slice(0, 12), 16)).toBe(T0 + 1234);
      expect(event).toMatchObject({
        eventType: 'user.registered',
        payload: { userId: 'u-1', email: 'ada@example.com' },
      });
    });

    it('gives later events ids that sort later', () => {
      // Arrange
      const clock = fakeClock();
      const outbox = usersOutbox(clock);
      const payload = { userId: 'u-1', email: 'ada@example.com' };

      // Act
      const first = outbox.stage('user.registered', payload);
      clock.advance(1);
      const second = outbox.stage('user.registered', payload);

      // Assert
      expect(first.eventId < second.eventId).toBe(true);
    });

    it('throws a permanent PayloadValidationError naming each failing field, returning nothing', () => {
      // Arrange
      const outbox = usersOutbox();
      let staged: unknown;

      // Act
      const error = thrownBy(() => {
        staged = outbox.stage('user.registered', {
          userId: '',
          email: 'nope',
          profile: { age: 3 },
        });
      });

      // Assert
      expect(staged).toBeUndefined();
      expect(error).toBeInstanceOf(PayloadValidationError);
      const validation = error as PayloadValidationError;
      expect(validation.issues.map((i) => i.path)).toEqual(['userId', 'email', 'profile.age']);
      expect(validation.issues.every((i) => i.message.length > 0)).toBe(true);
      expect(validation.source).toBe('outbox "users"');
      expect(validation.eventType).toBe('user.registered');
      expect(validation.message).toContain('profile.age: ');
      expect(isPermanentError(validation)).toBe(true);
    });

    it('returns the schema output, not the input', () => {
      // Arrange
      const outbox = defineOutbox({
        name: 'users',
        schema: z.object({ email: z.email().transform((e) => e.toLowerCase()) }),
      });

      // Act
      const event = outbox.stage('user.registered', { email: 'ADA@EXAMPLE.COM' });

      // Assert
      expect(event.payload).toEqual({ email: 'ada@example.com' });
    });

    it('keeps an explicit eventId, lower-cased', () => {
      // Act
      const event = usersOutbox().stage(
        'user.registered',
        { userId: 'u-1', email: 'ada@example.com' },
        { eventId: EVENT_ID.toUpperCase() },
      );

      // Assert
      expect(event.eventId).toBe(EVENT_ID);
    });

    it('rejects an explicit eventId that is not a UUID, naming it', () => {
      // Act
      const error = thrownBy(() =>
        usersOutbox().stage(
          'user.registered',
          { userId: 'u-1', email: 'ada@example.com' },
          { eventId: 'order-42' },
        ),
      );

      // Assert
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toContain('"order-42"');
    });

    it('carries the envelope metadata and leaves out what was not given', () => {
      // Act
      const event = usersOutbox().stage(
        'user.registered',
        { userId: 'u-1', email: 'ada@example.com' },
        { correlationId: 'corr-1', orderingKey: 'user-1', causationId: undefined },
      );

      // Assert
      expect(event).toMatchObject({ correlationId: 'corr-1', orderingKey: 'user-1' });
      expect('causationId' in event).toBe(false);
      expect('traceparent' in event).toBe(false);
    });

    it.each([
      ['empty', ''],
      ['129 characters', 'k'.repeat(129)],
      ['a space', 'tenant 1'],
      ['a non-ASCII letter', 'tenant-é'],
      ['a control character', 'tenant\n1'],
    ])('refuses an ordering key SQS would refuse as a MessageGroupId: %s', (_, orderingKey) => {
      // Act
      const error = thrownBy(() =>
        usersOutbox().stage(
          'user.registered',
          { userId: 'u-1', email: 'ada@example.com' },
          {
            orderingKey,
          },
        ),
      );

      // Assert
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(
        /^outbox "users": orderingKey must be 1-128 printable ASCII characters without spaces/,
      );
    });

    it('accepts an ordering key of 128 letters, digits and punctuation', () => {
      // Arrange
      const orderingKey = `${'a'.repeat(94)}0123456789!"#$%&'()*+,-./:;<=>?@[]`;

      // Act
      const event = usersOutbox().stage(
        'user.registered',
        { userId: 'u-1', email: 'ada@example.com' },
        { orderingKey },
      );

      // Assert
      expect(orderingKey).toHaveLength(128);
      expect(event.orderingKey).toBe(orderingKey);
    });

    it('refuses an empty event type', () => {
      // Act / Assert
      expect(() => usersOutbox().stage(' ', { userId: 'u-1', email: 'ada@example.com' })).toThrow(
        TypeError,
      );
    });

    it('throws AsyncSchemaError for a schema that validates asynchronously', () => {
      // Arrange
      const outbox = defineOutbox({ name: 'users', schema: asyncSchema });

      // Act
      const error = thrownBy(() => outbox.stage('user.registered', {}));

      // Assert
      expect(error).toBeInstanceOf(AsyncSchemaError);
      expect((error as AsyncSchemaError).source).toBe('outbox "users"');
      expect(isPermanentError(error)).toBe(true);
    });

    it('formats path segments given as objects and names the root for path-less issues', () => {
      // Arrange
      const outbox = defineOutbox({ name: 'users', schema: segmentSchema });

      // Act
      const error = thrownBy(() => outbox.stage('user.registered', {}));

      // Assert
      expect((error as PayloadValidationError).issues).toEqual([
        { path: 'items.3', message: 'too many' },
        { path: '(root)', message: 'bad root' },
      ]);
    });
  });

  it('takes no destination: the type refuses one, and one passed anyway is ignored', () => {
    // Act
    const outbox = defineOutbox({
      name: 'users',
      schema: UserRegistered,
      // @ts-expect-error the relay sends to the queue it is given; an outbox names none
      destination: 'notifications',
    });

    // Assert
    expect(outbox).not.toHaveProperty('destination');
    expect(outbox.stage('user.registered', { userId: 'u-1', email: 'ada@example.com' })).toEqual(
      expect.objectContaining({ eventType: 'user.registered' }),
    );
  });

  it('refuses an empty name', () => {
    // Act / Assert
    expect(() => defineOutbox({ name: '', schema: UserRegistered })).toThrow(TypeError);
  });

  it('uses a fresh random id when no random source is injected', () => {
    // Arrange
    const outbox = defineOutbox({ name: 'users', schema: UserRegistered });
    const payload = { userId: 'u-1', email: 'ada@example.com' };

    // Act
    const a = outbox.stage('user.registered', payload);
    const b = outbox.stage('user.registered', payload);

    // Assert
    expect(isUuid(a.eventId)).toBe(true);
    expect(a.eventId).not.toBe(b.eventId);
  });
});

describe('defineQueue', () => {
  it('parses a valid payload to the schema output', () => {
    // Arrange
    const queue = defineQueue({ name: 'notifications', schema: UserRegistered });

    // Act
    const payload = queue.parse({ userId: 'u-1', email: 'ada@example.com', extra: 1 });

    // Assert
    expect(payload).toEqual({ userId: 'u-1', email: 'ada@example.com' });
  });

  it('throws PayloadValidationError naming the queue, event type and failing fields', () => {
    // Arrange
    const queue = defineQueue({ name: 'notifications', schema: UserRegistered });

    // Act
    const error = thrownBy(() => queue.parse({ userId: 'u-1' }, 'user.registered'));

    // Assert
    expect(error).toBeInstanceOf(PayloadValidationError);
    const validation = error as PayloadValidationError;
    expect(validation.source).toBe('queue "notifications"');
    expect(validation.eventType).toBe('user.registered');
    expect(validation.issues.map((i) => i.path)).toEqual(['email']);
  });

  it('throws AsyncSchemaError for a schema that validates asynchronously', () => {
    // Arrange
    const queue = defineQueue({ name: 'notifications', schema: asyncSchema });

    // Act
    const error = thrownBy(() => queue.parse({}));

    // Assert
    expect(error).toBeInstanceOf(AsyncSchemaError);
  });

  it.each([
    'notifications',
    'notifications.fifo',
    'a',
    'orders_v2-eu',
    `${'x'.repeat(75)}.fifo`,
    'x'.repeat(80),
  ])('accepts the queue name %j', (name) => {
    // Act
    const queue = defineQueue({ name, schema: UserRegistered });

    // Assert
    expect(queue.name).toBe(name);
  });

  it.each([
    ['empty', ''],
    ['with a space', 'my queue'],
    ['with a dot', 'orders.dlq'],
    ['with a slash', 'a/b'],
    ['.fifo not at the end', 'orders.fifo.dlq'],
    ['81 characters', 'x'.repeat(81)],
    ['a FIFO name over 80 characters', `${'x'.repeat(76)}.fifo`],
  ])('rejects a queue name %s, naming it', (_, name) => {
    // Act
    const error = thrownBy(() => defineQueue({ name, schema: UserRegistered }));

    // Assert
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain(JSON.stringify(name));
  });
});

describe('defineOutbox names', () => {
  /** The CloudEvents source the relay gives events staged in an outbox of this name. */
  function sourceOf(name: string): string {
    const outbox = defineOutbox({ name, schema: UserRegistered });
    const event = outbox.stage('user.registered', { userId: 'u-1', email: 'ada@example.com' });
    return JSON.parse(toOutgoingMessage({ event, outbox: outbox.name }, false).body).source;
  }

  it.each(['users', 'billing.v2', 'billing-events_2', '.well-known', '...', 'x'.repeat(80)])(
    'accepts %j, whose CloudEvents source is a URI reference',
    (name) => {
      // Act
      const source = sourceOf(name);

      // Assert
      expect(source).toBe(`tidings/${name}`);
      expect(source).toMatch(RELATIVE_PATH_REFERENCE);
    },
  );

  it('gives a URI reference for every character a name may hold', () => {
    // Arrange: every letter, digit, "-" and "_" (all that defineNotifications allows), and ".".
    const characters = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'];

    // Act
    const sources = characters.map((c) => sourceOf(`${c}.${c}`));

    // Assert
    expect(sources.filter((source) => !RELATIVE_PATH_REFERENCE.test(source))).toEqual([]);
    expect(sources).toHaveLength(64);
  });

  it.each([
    ['a space', 'billing events'],
    ['a non-ASCII letter', 'facturación'],
    ['a percent sign', '100%'],
    ['a slash', 'billing/events'],
    ['a colon', 'billing:events'],
    ['a tilde', 'billing~events'],
    ['a query mark', 'billing?events'],
    ['a hash', 'billing#events'],
    ['a dot segment', '.'],
    ['a double-dot segment', '..'],
    ['nothing', ''],
    ['81 characters', 'x'.repeat(81)],
  ])('refuses a name with %s, naming it in a TypeError', (_, name) => {
    // Act
    const error = thrownBy(() => defineOutbox({ name, schema: UserRegistered }));

    // Assert
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(
      `outbox name must be 1-80 letters, digits, "-", "_" or "." (not "." or ".." alone), so its CloudEvents source tidings/<name> is a URI reference: ${JSON.stringify(name)}`,
    );
  });
});
