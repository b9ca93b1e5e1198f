import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runLocal, runNotificationsRecipe } from '../../examples/recipes/notifications/recipe.ts';
import {
  notifications,
  USER_REGISTERED,
  UserEvents,
  type UserRegistered,
  welcomeEmail,
} from '../../examples/signup/notifications.ts';
import type { IntegrationEvent } from '../../lambdas/events/types.ts';
import { createMemoryPipeline, type LocalPipeline } from '../../lambdas/local/LocalPipeline.ts';
import { defineNotifications } from '../../lambdas/notifications/defineNotifications.ts';
import type { Notification } from '../../lambdas/notifications/types.ts';
import { PayloadValidationError, UnknownEventTypeError } from '../../lambdas/outbox/errors.ts';
import { MemoryOutboxStore } from '../../lambdas/outbox/MemoryOutboxStore.ts';
import { rejectionOf } from '../helpers/events.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** The in-memory pipeline with its sent mail altered as `alter` says. */
function withSentEmails(
  pipeline: LocalPipeline,
  alter: (emails: Awaited<ReturnType<LocalPipeline['sentEmails']>>) => typeof emails,
): LocalPipeline {
  return { ...pipeline, sentEmails: async () => alter(await pipeline.sentEmails()) };
}

const extraEmail = (to: string) => ({ to: [to], subject: 'Welcome to Tidings', body: 'Hi again' });

/** The signup example's events, routed by `mapper` instead of its welcome email. */
function signupsRoutedBy(mapper: (event: IntegrationEvent<UserRegistered>) => Notification[]) {
  return defineNotifications({
    name: notifications.name,
    events: UserEvents,
    routes: { [USER_REGISTERED]: mapper },
  });
}

describe('the notifications recipe', () => {
  it('reports two committed signups with one welcome email each and two rejections, in memory', async () => {
    // Act
    const report = await runNotificationsRecipe(createMemoryPipeline({ notifications }));

    // Assert
    expect(report.ok).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.committed).toEqual(['ada@example.com', 'grace@example.com']);
    expect(report.emails.map((e) => e.to)).toEqual([['ada@example.com'], ['grace@example.com']]);
    expect(report.emails.every((e) => e.subject === 'Welcome to Tidings')).toBe(true);
    expect(report.emails.every((e) => e.body.startsWith('Hi,\n'))).toBe(true);
    expect(report.rejected).toEqual([
      { email: 'Ada@Example.com', reason: expect.stringMatching(/^UserAlreadyExistsError: /) },
      { email: 'not-an-email', reason: expect.stringMatching(/^InvalidRegistrationError: /) },
    ]);
  });

  it('fails the check, naming the address, when a committed signup gets a second email', async () => {
    // Arrange
    const pipeline = withSentEmails(createMemoryPipeline({ notifications }), (emails) => [
      ...emails,
      extraEmail('ada@example.com'),
    ]);

    // Act
    const report = await runNotificationsRecipe(pipeline);

    // Assert
    expect(report.ok).toBe(false);
    expect(report.problems).toContain('ada@example.com committed but got 2 welcome emails');
  });

  it('fails the check when a rolled-back signup gets an email', async () => {
    // Arrange
    const pipeline = withSentEmails(createMemoryPipeline({ notifications }), (emails) => [
      ...emails,
      extraEmail('not-an-email'),
    ]);

    // Act
    const report = await runNotificationsRecipe(pipeline);

    // Assert
    expect(report.ok).toBe(false);
    expect(report.problems).toContain('not-an-email was rejected but got an email');
  });

  it('fails the check when a committed signup gets no email', async () => {
    // Arrange
    const pipeline = withSentEmails(createMemoryPipeline({ notifications }), (emails) =>
      emails.filter((e) => !e.to.includes('grace@example.com')),
    );

    // Act
    const report = await runNotificationsRecipe(pipeline);

    // Assert
    expect(report.ok).toBe(false);
    expect(report.problems).toContain('grace@example.com committed but got 0 welcome emails');
  });

  it('fails the check when the pipeline really sends every welcome email twice', async () => {
    // Arrange: a routing mistake, through the real relay, queue and consumer.
    const doubled = signupsRoutedBy((event) => [...welcomeEmail(event), ...welcomeEmail(event)]);

    // Act
    const report = await runNotificationsRecipe(createMemoryPipeline({ notifications: doubled }));

    // Assert
    expect(report.ok).toBe(false);
    expect(report.emails).toHaveLength(4);
    expect(report.problems).toEqual([
      'ada@example.com committed but got 2 welcome emails',
      'grace@example.com committed but got 2 welcome emails',
      '4 emails sent for 2 committed signups',
    ]);
  });

  describe('runLocal, the exit code of `npm run local`', () => {
    it.each([
      [
        'sends every welcome email twice',
        (event: IntegrationEvent<UserRegistered>) => [
          ...welcomeEmail(event),
          ...welcomeEmail(event),
        ],
      ],
      ['sends nothing', () => []],
    ])('is 1 when the route %s', async (_, mapper) => {
      // Arrange
      const printed: string[] = [];

      // Act
      const exitCode = await runLocal(
        createMemoryPipeline({ notifications: signupsRoutedBy(mapper) }),
        (line) => printed.push(line),
      );

      // Assert
      expect(exitCode).toBe(1);
      expect(printed.join('\n')).toContain('Check FAILED');
    });

    it("is 0 with the example's routes, every committed signup welcomed once", async () => {
      // Arrange
      const printed: string[] = [];

      // Act
      const exitCode = await runLocal(createMemoryPipeline({ notifications }), (line) =>
        printed.push(line),
      );

      // Assert
      expect(exitCode).toBe(0);
      expect(printed.join('\n')).toContain('Check passed: 2 committed signups, 2 welcome emails');
    });
  });

  it('runs as `npx tsx examples/recipes/notifications/main.ts`, exiting 0 and naming both welcome emails', async () => {
    // Arrange: the in-memory mode, whatever the caller's environment says.
    const { TIDINGS_LOCAL: _ignored, ...env } = process.env;

    // Act: execFile rejects on a non-zero exit code.
    const { stdout } = await run('npx', ['tsx', 'examples/recipes/notifications/main.ts'], {
      cwd: ROOT,
      env,
      timeout: 60_000,
    });

    // Assert
    expect(stdout).toMatch(/to ada@example\.com\s+"Welcome to Tidings"/);
    expect(stdout).toMatch(/to grace@example\.com\s+"Welcome to Tidings"/);
    expect(stdout).toContain('Check passed: 2 committed signups, 2 welcome emails');
  }, 60_000);
});

describe('LocalPipeline.stage, with a notifications module of the test', () => {
  const orders = defineNotifications({
    name: 'orders',
    events: {
      'order.placed': z.object({ orderId: z.string().min(1), email: z.email() }),
      'order.shipped': z.object({ orderId: z.string().min(1), carrier: z.string().min(1) }),
    },
    routes: {
      'order.placed': (event) => [
        {
          kind: 'email',
          to: event.payload.email,
          subject: `Order ${event.payload.orderId} placed`,
          body: 'Thanks for your order.',
        },
      ],
      'order.shipped': (event) => [
        {
          kind: 'webhook',
          url: 'https://hooks.example.com/orders',
          payload: { orderId: event.payload.orderId, carrier: event.payload.carrier },
        },
      ],
    },
  });

  it('stages each event type in a transaction of its own and delivers it along its route', async () => {
    // Arrange
    const pipeline = createMemoryPipeline({ notifications: orders });

    // Act
    const placed = await pipeline.stage(
      'order.placed',
      { orderId: 'o-1', email: 'ada@example.com' },
      { orderingKey: 'o-1' },
    );
    const shipped = await pipeline.stage(
      'order.shipped',
      { orderId: 'o-1', carrier: 'Parcelforce' },
      { orderingKey: 'o-1' },
    );
    const delivery = await pipeline.deliver();

    // Assert
    expect(placed).toMatchObject({ eventType: 'order.placed', orderingKey: 'o-1' });
    expect(shipped).toMatchObject({ eventType: 'order.shipped', orderingKey: 'o-1' });
    expect(delivery).toEqual({ relayed: 2, consumed: 2, settled: true });
    expect(pipeline.deadLetters()).toEqual({ relay: [], consumer: [] });
    expect(pipeline.sent()).toEqual([
      {
        notification: {
          kind: 'email',
          to: 'ada@example.com',
          subject: 'Order o-1 placed',
          body: 'Thanks for your order.',
        },
        context: {
          eventId: placed.eventId,
          eventType: 'order.placed',
          notificationId: `${placed.eventId}:0`,
        },
      },
      {
        notification: {
          kind: 'webhook',
          url: 'https://hooks.example.com/orders',
          payload: { orderId: 'o-1', carrier: 'Parcelforce' },
        },
        context: {
          eventId: shipped.eventId,
          eventType: 'order.shipped',
          notificationId: `${shipped.eventId}:0`,
        },
      },
    ]);
    expect(await pipeline.sentEmails()).toEqual([
      { to: ['ada@example.com'], subject: 'Order o-1 placed', body: 'Thanks for your order.' },
    ]);
  });

  it('refuses an event type the module lacks and a payload its schema rejects, writing and sending nothing', async () => {
    // Arrange
    const pipeline = createMemoryPipeline({ notifications: orders });

    // Act
    // The types refuse both at compile time; a caller with untyped input meets these at run time.
    const unknown = await rejectionOf(
      pipeline.stage('order.cancelled' as never, { orderId: 'o-1' } as never),
    );
    const invalid = await rejectionOf(
      pipeline.stage('order.placed', { orderId: 'o-1', email: 'not-an-address' }),
    );
    const store = pipeline.writer as MemoryOutboxStore;
    const pending = await store.listPending({
      olderThan: new Date(Date.now() + 60_000).toISOString(),
      limit: 10,
    });
    const delivery = await pipeline.deliver();

    // Assert
    expect(unknown).toBeInstanceOf(UnknownEventTypeError);
    expect(unknown).toMatchObject({
      eventType: 'order.cancelled',
      knownTypes: ['order.placed', 'order.shipped'],
    });
    expect(invalid).toBeInstanceOf(PayloadValidationError);
    expect(invalid).toMatchObject({
      eventType: 'order.placed',
      issues: [expect.objectContaining({ path: 'email' })],
    });
    expect(pipeline.writer).toBeInstanceOf(MemoryOutboxStore);
    expect(pending).toEqual([]);
    expect(delivery).toMatchObject({ relayed: 0, consumed: 0, settled: true });
    expect(pipeline.sent()).toEqual([]);
    expect(pipeline.deadLetters()).toEqual({ relay: [], consumer: [] });
  });
});
