import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isPermanentError } from '../../lambdas/errors.ts';
import { MissingEventTypeError } from '../../lambdas/events/errors.ts';
import type { IntegrationEvent } from '../../lambdas/events/types.ts';
import { ClaimLostError, LedgerStoreError } from '../../lambdas/ledger/errors.ts';
import { MemoryLedger } from '../../lambdas/ledger/MemoryLedger.ts';
import {
  InvalidNotificationError,
  MapperError,
  NotificationDeliveryError,
  NotificationInProgressError,
  SendError,
  UnmappedEventTypeError,
} from '../../lambdas/notifications/errors.ts';
import { NotificationRouter } from '../../lambdas/notifications/NotificationRouter.ts';
import {
  type CompleteRetryOptions,
  processNotificationEvent,
  processNotificationMessage,
} from '../../lambdas/notifications/processNotificationMessage.ts';
import { RecordingSenders } from '../../lambdas/notifications/RecordingSenders.ts';
import type { Notification } from '../../lambdas/notifications/types.ts';
import { defineQueue } from '../../lambdas/outbox/defineQueue.ts';
import { PayloadValidationError } from '../../lambdas/outbox/errors.ts';
import type { ClaimAnswer, NotificationLedger, SendResult } from '../../lambdas/ports.ts';
import {
  EVENT_ID,
  emailNotification,
  fakeClock,
  makeEvent,
  pushNotification,
  queueMessageFor,
  rejectionOf,
  T0,
  webhookNotification,
} from '../helpers/events.ts';

/**
 * A ledger kept in a Map: the collaborator `processNotificationMessage` integrates with, kept
 * just faithful enough (leases, completion, release) to observe what the function asks of it.
 */
class MapLedger implements NotificationLedger {
  readonly records = new Map<
    string,
    { status: 'in-progress'; leaseUntil: number } | { status: 'completed'; result: SendResult }
  >();
  readonly calls: string[] = [];

  constructor(private readonly now: () => number) {}

  /** Answers a refused claim without the holder's lease, as a ledger that does not know it. */
  async claim(notificationId: string, leaseUntil: number): Promise<ClaimAnswer> {
    this.calls.push(`claim ${notificationId}`);
    const record = this.records.get(notificationId);
    if (record?.status === 'completed') return { outcome: 'completed' };
    if (record?.status === 'in-progress' && record.leaseUntil > this.now()) {
      return { outcome: 'in-progress' };
    }
    this.records.set(notificationId, { status: 'in-progress', leaseUntil });
    return { outcome: 'claimed' };
  }

  async complete(notificationId: string, result: SendResult): Promise<void> {
    this.calls.push(`complete ${notificationId}`);
    this.records.set(notificationId, { status: 'completed', result });
  }

  async release(notificationId: string): Promise<void> {
    this.calls.push(`release ${notificationId}`);
    this.records.delete(notificationId);
  }
}

const transientFault = () =>
  new SendError({ channel: 'push', reason: 'throttled', permanent: false, message: 'throttled' });
const permanentFault = () =>
  new SendError({
    channel: 'webhook',
    reason: 'http-410',
    permanent: true,
    message: 'endpoint gone',
  });

function threeNotifications(): Notification[] {
  return [emailNotification(), pushNotification(), webhookNotification()];
}

function routerFor(notifications: () => Notification[]): NotificationRouter {
  return new NotificationRouter().register('user.registered', notifications).freeze();
}

describe('processNotificationMessage', () => {
  describe('unmapped event types', () => {
    it('with skipUnmapped: false throws a permanent UnmappedEventTypeError, sending nothing', async () => {
      // Arrange
      const senders = new RecordingSenders();
      const router = new NotificationRouter().register('other', () => [emailNotification()]);

      // Act
      const error = await rejectionOf(
        processNotificationMessage(queueMessageFor(makeEvent()), {
          router,
          senders,
          skipUnmapped: false,
        }),
      );

      // Assert
      expect(error).toBeInstanceOf(UnmappedEventTypeError);
      expect((error as UnmappedEventTypeError).eventType).toBe('user.registered');
      expect((error as UnmappedEventTypeError).eventId).toBe(EVENT_ID);
      expect(isPermanentError(error)).toBe(true);
      expect(senders.sent).toEqual([]);
    });

    it.each([
      ['by default', {}],
      ['with skipUnmapped: true', { skipUnmapped: true }],
    ])('%s returns it as unmapped with nothing dispatched', async (_, extra) => {
      // Arrange
      const senders = new RecordingSenders();

      // Act
      const result = await processNotificationMessage(queueMessageFor(makeEvent()), {
        router: new NotificationRouter(),
        senders,
        ...extra,
      });

      // Assert
      expect(result).toMatchObject({ dispatched: 0, skipped: 0, outcomes: [], unmapped: true });
      expect(result.event.eventId).toBe(EVENT_ID);
      expect(senders.sent).toEqual([]);
    });

    it('skips an unmapped type before validating it, so a queue schema map that lacks it does not refuse it', async () => {
      // Arrange: the queue knows only user.registered; user.deleted is mapped by nobody.
      const queue = defineQueue({
        name: 'notifications',
        schema: { 'user.registered': z.object({ email: z.email() }) },
      });
      const event = makeEvent({ eventType: 'user.deleted', payload: { email: 'not an address' } });

      // Act
      const result = await processNotificationMessage(queueMessageFor(event), {
        router: routerFor(threeNotifications),
        senders: new RecordingSenders(),
        queueSpec: queue,
        skipUnmapped: true,
      });

      // Assert
      expect(result).toMatchObject({ dispatched: 0, unmapped: true });
      expect(result.event.payload).toEqual({ email: 'not an address' });
    });

    it('with skipUnmapped: false names the missing mapper even when the payload is invalid too', async () => {
      // Arrange
      const queue = defineQueue({
        name: 'notifications',
        schema: { 'user.registered': z.object({ email: z.email() }) },
      });
      const event = makeEvent({ eventType: 'user.deleted', payload: { email: 'not an address' } });

      // Act
      const error = await rejectionOf(
        processNotificationMessage(queueMessageFor(event), {
          router: routerFor(threeNotifications),
          senders: new RecordingSenders(),
          queueSpec: queue,
          skipUnmapped: false,
        }),
      );

      // Assert
      expect(error).toBeInstanceOf(UnmappedEventTypeError);
    });
  });

  it('sends every notification and reports the count and an outcome per notification', async () => {
    // Arrange
    const senders = new RecordingSenders();

    // Act
    const result = await processNotificationMessage(queueMessageFor(makeEvent()), {
      router: routerFor(threeNotifications),
      senders,
    });

    // Assert
    expect(result.dispatched).toBe(3);
    expect(result.outcomes.map((o) => [o.index, o.notificationId, o.kind, o.status])).toEqual([
      [0, `${EVENT_ID}:0`, 'email', 'sent'],
      [1, `${EVENT_ID}:1`, 'push', 'sent'],
      [2, `${EVENT_ID}:2`, 'webhook', 'sent'],
    ]);
    expect(result.outcomes.every((o) => o.providerMessageId)).toBe(true);
    expect(senders.sent.map((s) => s.context)).toContainEqual({
      eventId: EVENT_ID,
      eventType: 'user.registered',
      notificationId: `${EVENT_ID}:1`,
    });
  });

  it('gives the mapper the event rebuilt from the message, metadata included', async () => {
    // Arrange
    const event = makeEvent();
    let seen: unknown;
    const router = new NotificationRouter().register('user.registered', (e) => {
      seen = e;
      return [];
    });

    // Act
    await processNotificationMessage(queueMessageFor(event), {
      router,
      senders: new RecordingSenders(),
    });

    // Assert
    expect(seen).toEqual(event);
  });

  it("dates an event whose message carries no time by its clock's now, not the epoch", async () => {
    // Arrange
    const clock = fakeClock(T0 + 5_000);
    const { headers: _, ...message } = queueMessageFor(makeEvent());
    let seen: IntegrationEvent | undefined;
    const router = new NotificationRouter().register('user.registered', (e) => {
      seen = e;
      return [emailNotification()];
    });
    const senders = new RecordingSenders();

    // Act
    const result = await processNotificationMessage(message, { router, senders, clock });

    // Assert
    expect(seen?.occurredAt).toBe(new Date(T0 + 5_000).toISOString());
    expect(result.event.occurredAt).toBe(new Date(T0 + 5_000).toISOString());
    expect(senders.emails).toHaveLength(1);
  });

  it('still sends the other two when one of three fails, and throws NotificationDeliveryError naming the failure', async () => {
    // Arrange
    const senders = new RecordingSenders({
      fault: (n) => (n.kind === 'push' ? transientFault() : undefined),
    });

    // Act
    const error = await rejectionOf(
      processNotificationMessage(queueMessageFor(makeEvent()), {
        router: routerFor(threeNotifications),
        senders,
      }),
    );

    // Assert
    expect(senders.sent.map((s) => s.notification.kind)).toEqual(['email', 'webhook']);
    expect(error).toBeInstanceOf(NotificationDeliveryError);
    const delivery = error as NotificationDeliveryError;
    expect(delivery.eventId).toBe(EVENT_ID);
    expect(delivery.outcomes.map((o) => o.status)).toEqual(['sent', 'failed', 'sent']);
    expect(delivery.outcomes[1]?.error).toBeInstanceOf(SendError);
    expect(delivery.message).toContain('1 of 3');
    expect(delivery.message).toContain('#1 push');
  });

  it('makes the delivery error permanent when every failure is permanent', async () => {
    // Arrange
    const senders = new RecordingSenders({
      fault: (n) => (n.kind === 'email' ? undefined : permanentFault()),
    });

    // Act
    const error = await rejectionOf(
      processNotificationMessage(queueMessageFor(makeEvent()), {
        router: routerFor(threeNotifications),
        senders,
      }),
    );

    // Assert
    expect(error).toBeInstanceOf(NotificationDeliveryError);
    expect(isPermanentError(error)).toBe(true);
  });

  it('makes the delivery error transient when permanent and transient failures mix', async () => {
    // Arrange
    const senders = new RecordingSenders({
      fault: (n) =>
        n.kind === 'push' ? transientFault() : n.kind === 'webhook' ? permanentFault() : undefined,
    });

    // Act
    const error = await rejectionOf(
      processNotificationMessage(queueMessageFor(makeEvent()), {
        router: routerFor(threeNotifications),
        senders,
      }),
    );

    // Assert
    expect(error).toBeInstanceOf(NotificationDeliveryError);
    expect(isPermanentError(error)).toBe(false);
  });

  it('treats an unknown error from a sender as transient', async () => {
    // Arrange
    const senders = new RecordingSenders({ fault: () => new Error('socket hang up') });

    // Act
    const error = await rejectionOf(
      processNotificationMessage(queueMessageFor(makeEvent()), {
        router: routerFor(() => [emailNotification()]),
        senders,
      }),
    );

    // Assert
    expect(error).toBeInstanceOf(NotificationDeliveryError);
    expect(isPermanentError(error)).toBe(false);
  });

  it('fails an invalid notification with InvalidNotificationError and never sends it', async () => {
    // Arrange
    const senders = new RecordingSenders();
    const router = routerFor(() => [emailNotification({ to: 'not-an-email' }), pushNotification()]);

    // Act
    const error = await rejectionOf(
      processNotificationMessage(queueMessageFor(makeEvent()), { router, senders }),
    );

    // Assert
    expect(error).toBeInstanceOf(NotificationDeliveryError);
    const [invalid, push] = (error as NotificationDeliveryError).outcomes;
    expect(invalid?.status).toBe('failed');
    expect(invalid?.error).toBeInstanceOf(InvalidNotificationError);
    expect(push?.status).toBe('sent');
    expect(senders.emails).toEqual([]);
    expect(isPermanentError(error)).toBe(true);
  });

  it('passes validation options through, so loopback http webhooks work locally', async () => {
    // Arrange
    const senders = new RecordingSenders();
    const router = routerFor(() => [webhookNotification({ url: 'http://127.0.0.1:9000/hook' })]);

    // Act
    const result = await processNotificationMessage(queueMessageFor(makeEvent()), {
      router,
      senders,
      validation: { allowLoopbackHttp: true },
    });

    // Assert
    expect(result.dispatched).toBe(1);
    expect(senders.webhooks).toHaveLength(1);
  });

  it('validates the payload with the queue spec and throws PayloadValidationError before sending anything', async () => {
    // Arrange
    const senders = new RecordingSenders();
    const queue = defineQueue({
      name: 'notifications',
      schema: z.object({ userId: z.string(), email: z.email() }),
    });
    const message = queueMessageFor(makeEvent({ payload: { userId: 'u-1', email: 'nope' } }));

    // Act
    const error = await rejectionOf(
      processNotificationMessage(message, {
        router: routerFor(threeNotifications),
        senders,
        queueSpec: queue,
      }),
    );

    // Assert
    expect(error).toBeInstanceOf(PayloadValidationError);
    expect((error as PayloadValidationError).issues.map((i) => i.path)).toEqual(['email']);
    expect(senders.sent).toEqual([]);
  });

  it('gives the mapper the payload as the queue schema outputs it', async () => {
    // Arrange
    const queue = defineQueue({
      name: 'notifications',
      schema: z.object({ userId: z.string(), email: z.email().transform((e) => e.toLowerCase()) }),
    });
    let seenPayload: unknown;
    const router = new NotificationRouter().register('user.registered', (e) => {
      seenPayload = e.payload;
      return [];
    });
    const message = queueMessageFor(makeEvent({ payload: { userId: 'u-1', email: 'ADA@X.IO' } }));

    // Act
    await processNotificationMessage(message, {
      router,
      senders: new RecordingSenders(),
      queueSpec: queue,
    });

    // Assert
    expect(seenPayload).toEqual({ userId: 'u-1', email: 'ada@x.io' });
  });

  it('lets a mapper error escape', async () => {
    // Arrange
    const router = new NotificationRouter().register('user.registered', () => {
      throw new Error('bad template');
    });

    // Act
    const error = await rejectionOf(
      processNotificationMessage(queueMessageFor(makeEvent()), {
        router,
        senders: new RecordingSenders(),
      }),
    );

    // Assert
    expect(error).toBeInstanceOf(MapperError);
  });

  it('refuses a message without a type', async () => {
    // Act
    const error = await rejectionOf(
      processNotificationMessage(queueMessageFor(makeEvent(), { type: '' }), {
        router: routerFor(threeNotifications),
        senders: new RecordingSenders(),
      }),
    );

    // Assert
    expect(error).toBeInstanceOf(MissingEventTypeError);
  });

  describe('with a ledger', () => {
    it('reports a failed completion to ledger.onError and still counts the send as sent', async () => {
      // Arrange
      const senders = new RecordingSenders();
      const ledger = new MapLedger(() => 0);
      ledger.complete = async () => {
        throw new Error('ledger throttled');
      };
      const reported: [string, string, string][] = [];

      // Act
      const result = await processNotificationMessage(queueMessageFor(makeEvent()), {
        router: routerFor(() => [emailNotification()]),
        senders,
        ledger: {
          store: ledger,
          completeRetry: { sleep: async () => {} },
          onError: (error, id, operation) =>
            reported.push([(error as Error).message, id, operation]),
        },
        clock: () => 0,
      });

      // Assert
      expect(result.dispatched).toBe(1);
      expect(reported).toEqual([['ledger throttled', `${EVENT_ID}:0`, 'complete']]);
    });

    it('skips notifications completed by an earlier delivery and re-sends only the failed one', async () => {
      // Arrange
      const clock = fakeClock();
      const ledger = new MapLedger(clock);
      let pushFails = true;
      const senders = new RecordingSenders({
        fault: (n) => (n.kind === 'push' && pushFails ? transientFault() : undefined),
      });
      const message = queueMessageFor(makeEvent());
      const options = {
        router: routerFor(threeNotifications),
        senders,
        ledger: { store: ledger },
        clock,
      };
      const firstError = await rejectionOf(processNotificationMessage(message, options));
      pushFails = false;
      senders.clear();

      // Act
      const result = await processNotificationMessage({ ...message, receiveCount: 2 }, options);

      // Assert
      expect(firstError).toBeInstanceOf(NotificationDeliveryError);
      expect(senders.sent.map((s) => s.context.notificationId)).toEqual([`${EVENT_ID}:1`]);
      expect(result.dispatched).toBe(1);
      expect(result.skipped).toBe(2);
      expect(result.outcomes.map((o) => o.status)).toEqual(['skipped', 'sent', 'skipped']);
    });

    it('sends nothing again when every notification completed', async () => {
      // Arrange
      const clock = fakeClock();
      const ledger = new MapLedger(clock);
      const senders = new RecordingSenders();
      const message = queueMessageFor(makeEvent());
      const options = {
        router: routerFor(threeNotifications),
        senders,
        ledger: { store: ledger },
        clock,
      };
      await processNotificationMessage(message, options);
      senders.clear();

      // Act
      const result = await processNotificationMessage(message, options);

      // Assert
      expect(senders.sent).toEqual([]);
      expect(result).toMatchObject({ dispatched: 0, skipped: 3 });
    });

    it('marks a sent notification completed with the provider result', async () => {
      // Arrange
      const clock = fakeClock();
      const ledger = new MapLedger(clock);

      // Act
      await processNotificationMessage(queueMessageFor(makeEvent()), {
        router: routerFor(() => [emailNotification()]),
        senders: new RecordingSenders(),
        ledger: { store: ledger },
        clock,
      });

      // Assert
      expect(ledger.records.get(`${EVENT_ID}:0`)).toEqual({
        status: 'completed',
        result: { providerMessageId: 'recorded-1' },
      });
    });

    it('claims with a lease of leaseMs from the injected clock', async () => {
      // Arrange
      const clock = fakeClock();
      const ledger = new MapLedger(clock);
      const leases: number[] = [];
      const claim = ledger.claim.bind(ledger);
      ledger.claim = (id, leaseUntil) => {
        leases.push(leaseUntil);
        return claim(id, leaseUntil);
      };

      // Act
      await processNotificationMessage(queueMessageFor(makeEvent()), {
        router: routerFor(() => [emailNotification()]),
        senders: new RecordingSenders(),
        ledger: { store: ledger, leaseMs: 5_000 },
        clock,
      });

      // Assert
      expect(leases).toEqual([clock() + 5_000]);
    });

    it('fails a notification another worker holds with a transient NotificationInProgressError and does not send it', async () => {
      // Arrange
      const clock = fakeClock();
      const ledger = new MapLedger(clock);
      ledger.records.set(`${EVENT_ID}:0`, { status: 'in-progress', leaseUntil: clock() + 30_000 });
      const senders = new RecordingSenders();

      // Act
      const error = await rejectionOf(
        processNotificationMessage(queueMessageFor(makeEvent()), {
          router: routerFor(() => [emailNotification()]),
          senders,
          ledger: { store: ledger },
          clock,
        }),
      );

      // Assert
      expect(error).toBeInstanceOf(NotificationDeliveryError);
      expect((error as NotificationDeliveryError).outcomes[0]?.error).toBeInstanceOf(
        NotificationInProgressError,
      );
      expect(isPermanentError(error)).toBe(false);
      expect(senders.sent).toEqual([]);
      expect(ledger.calls).not.toContain(`release ${EVENT_ID}:0`);
    });

    it("carries the time left on the holder's lease as retryAfterSeconds, when the ledger reports it", async () => {
      // Arrange
      const clock = fakeClock();
      const ledger = new MemoryLedger({ clock });
      await ledger.worker().claim(`${EVENT_ID}:0`, clock() + 25_000);
      clock.advance(10_000);

      // Act
      const error = await rejectionOf(
        processNotificationMessage(queueMessageFor(makeEvent()), {
          router: routerFor(() => [emailNotification()]),
          senders: new RecordingSenders(),
          ledger: { store: ledger },
          clock,
        }),
      );

      // Assert: 15 s are left; a claim succeeds only once the lease is strictly over.
      const cause = (error as NotificationDeliveryError).outcomes[0]?.error;
      expect(cause).toBeInstanceOf(NotificationInProgressError);
      expect((cause as NotificationInProgressError).retryAfterSeconds).toBe(16);
      expect(cause?.message).toBe(
        `notification ${EVENT_ID}:0 is being sent by another worker; its lease ends within 16 s`,
      );
    });

    it('leaves retryAfterSeconds out when the ledger does not report the lease', async () => {
      // Arrange
      const clock = fakeClock();
      const ledger = new MapLedger(clock);
      ledger.records.set(`${EVENT_ID}:0`, { status: 'in-progress', leaseUntil: clock() + 30_000 });

      // Act
      const error = await rejectionOf(
        processNotificationMessage(queueMessageFor(makeEvent()), {
          router: routerFor(() => [emailNotification()]),
          senders: new RecordingSenders(),
          ledger: { store: ledger },
          clock,
        }),
      );

      // Assert
      const cause = (error as NotificationDeliveryError).outcomes[0]?.error;
      expect(cause).toBeInstanceOf(NotificationInProgressError);
      expect((cause as NotificationInProgressError).retryAfterSeconds).toBeUndefined();
      expect(cause?.message).toBe(`notification ${EVENT_ID}:0 is being sent by another worker`);
    });

    it('releases the claim of a failed send so a retry can claim it at once', async () => {
      // Arrange
      const clock = fakeClock();
      const ledger = new MapLedger(clock);
      const senders = new RecordingSenders({ fault: () => transientFault() });

      // Act
      await rejectionOf(
        processNotificationMessage(queueMessageFor(makeEvent()), {
          router: routerFor(() => [emailNotification()]),
          senders,
          ledger: { store: ledger },
          clock,
        }),
      );

      // Assert
      expect(ledger.calls).toEqual([`claim ${EVENT_ID}:0`, `release ${EVENT_ID}:0`]);
      expect(ledger.records.has(`${EVENT_ID}:0`)).toBe(false);
    });

    it('never claims an invalid notification', async () => {
      // Arrange
      const clock = fakeClock();
      const ledger = new MapLedger(clock);

      // Act
      await rejectionOf(
        processNotificationMessage(queueMessageFor(makeEvent()), {
          router: routerFor(() => [emailNotification({ subject: '' })]),
          senders: new RecordingSenders(),
          ledger: { store: ledger },
          clock,
        }),
      );

      // Assert
      expect(ledger.calls).toEqual([]);
    });

    it('reports the notification sent even when completing it in the ledger fails', async () => {
      // Arrange
      const clock = fakeClock();
      const ledger = new MapLedger(clock);
      ledger.complete = async () => {
        throw new Error('ledger write timed out');
      };
      const senders = new RecordingSenders();

      // Act
      const result = await processNotificationMessage(queueMessageFor(makeEvent()), {
        router: routerFor(() => [emailNotification()]),
        senders,
        ledger: { store: ledger, completeRetry: { sleep: async () => {} } },
        clock,
      });

      // Assert
      expect(result.dispatched).toBe(1);
      expect(senders.emails).toHaveLength(1);
    });
  });

  describe('retrying a failed completion', () => {
    const ID = `${EVENT_ID}:0`;
    const throttled = (id: string) =>
      new LedgerStoreError(
        'complete',
        id,
        'ThrottlingException',
        false,
        new Error('rate exceeded'),
      );

    /** A MapLedger whose `complete` throws `failures` (in order) before it records. */
    function failingCompletes(clock: () => number, ...failures: Error[]) {
      const ledger = new MapLedger(clock);
      const record = ledger.complete.bind(ledger);
      let attempts = 0;
      ledger.complete = async (id, result) => {
        attempts++;
        const failure = failures.shift();
        if (failure) throw failure;
        await record(id, result);
      };
      return { ledger, attempts: () => attempts };
    }

    function run(
      ledger: NotificationLedger,
      clock: () => number,
      extra: { leaseMs?: number; completeRetry?: CompleteRetryOptions } = {},
    ) {
      const senders = new RecordingSenders();
      const sleeps: number[] = [];
      const reported: [string, string, number][] = [];
      const done = processNotificationMessage(queueMessageFor(makeEvent()), {
        router: routerFor(() => [emailNotification()]),
        senders,
        ledger: {
          store: ledger,
          ...(extra.leaseMs !== undefined ? { leaseMs: extra.leaseMs } : {}),
          completeRetry: {
            sleep: async (ms) => {
              sleeps.push(ms);
            },
            ...extra.completeRetry,
          },
          onError: (error, id, operation, attempts) =>
            reported.push([`${operation} ${id}: ${(error as Error).name}`, id, attempts]),
        },
        clock,
      });
      return { done, senders, sleeps, reported };
    }

    it('retries a completion that fails twice, then succeeds: one send, completed, nothing reported', async () => {
      // Arrange
      const clock = fakeClock();
      const { ledger, attempts } = failingCompletes(clock, throttled(ID), throttled(ID));

      // Act
      const { done, senders, sleeps, reported } = run(ledger, clock);
      const result = await done;

      // Assert
      expect(result.outcomes.map((o) => o.status)).toEqual(['sent']);
      expect(senders.emails).toHaveLength(1);
      expect(ledger.records.get(ID)?.status).toBe('completed');
      expect(attempts()).toBe(3);
      expect(sleeps).toEqual([50, 100]);
      expect(reported).toEqual([]);
    });

    it('gives a completion that always fails up after three attempts and reports it once', async () => {
      // Arrange
      const clock = fakeClock();
      const { ledger, attempts } = failingCompletes(
        clock,
        ...Array.from({ length: 10 }, () => throttled(ID)),
      );

      // Act
      const { done, senders, sleeps, reported } = run(ledger, clock);
      const result = await done;

      // Assert
      expect(result.dispatched).toBe(1);
      expect(senders.emails).toHaveLength(1);
      expect(attempts()).toBe(3);
      expect(sleeps).toEqual([50, 100]);
      expect(ledger.records.get(ID)?.status).toBe('in-progress');
      expect(reported).toEqual([[`complete ${ID}: LedgerStoreError`, ID, 3]]);
    });

    it('does not retry a permanent failure: a claim another worker took over stays lost', async () => {
      // Arrange
      const clock = fakeClock();
      const { ledger, attempts } = failingCompletes(
        clock,
        new ClaimLostError('complete', ID, undefined),
      );

      // Act
      const { done, sleeps, reported } = run(ledger, clock);
      await done;

      // Assert
      expect(attempts()).toBe(1);
      expect(sleeps).toEqual([]);
      expect(reported).toEqual([[`complete ${ID}: ClaimLostError`, ID, 1]]);
    });

    it('stops retrying when the next wait would reach the end of the lease', async () => {
      // Arrange: a 120 ms lease has room for the 50 ms wait, not for the 100 ms one after it.
      const clock = fakeClock();
      const { ledger, attempts } = failingCompletes(clock, throttled(ID), throttled(ID));

      // Act
      const sleeps: number[] = [];
      const { done, reported } = run(ledger, clock, {
        leaseMs: 120,
        completeRetry: {
          sleep: async (ms: number) => {
            sleeps.push(ms);
            clock.advance(ms);
          },
        },
      });
      await done;

      // Assert
      expect(attempts()).toBe(2);
      expect(sleeps).toEqual([50]);
      expect(reported).toEqual([[`complete ${ID}: LedgerStoreError`, ID, 2]]);
    });

    it('makes as many attempts as completeRetry says, each wait twice the one before', async () => {
      // Arrange
      const clock = fakeClock();
      const { ledger, attempts } = failingCompletes(
        clock,
        ...Array.from({ length: 4 }, () => throttled(ID)),
      );

      // Act
      const { done, sleeps, reported } = run(ledger, clock, {
        completeRetry: { attempts: 5, baseDelayMs: 10 },
      });
      await done;

      // Assert
      expect(attempts()).toBe(5);
      expect(sleeps).toEqual([10, 20, 40, 80]);
      expect(reported).toEqual([]);
      expect(ledger.records.get(ID)?.status).toBe('completed');
    });

    it('refuses completeRetry attempts below one before sending anything', async () => {
      // Arrange
      const clock = fakeClock();
      const { ledger } = failingCompletes(clock);

      // Act
      const { done, senders } = run(ledger, clock, { completeRetry: { attempts: 0 } });
      const error = await rejectionOf(done);

      // Assert
      expect(error).toEqual(
        new RangeError('ledger.completeRetry.attempts must be a positive integer: 0'),
      );
      expect(senders.sent).toEqual([]);
    });
  });
});

describe('processNotificationEvent', () => {
  it('routes the event it is given as it is, without rebuilding it, and returns it', async () => {
    // Arrange
    const event = makeEvent();
    const seen: IntegrationEvent[] = [];
    const router = new NotificationRouter().register('user.registered', (e) => {
      seen.push(e);
      return [emailNotification()];
    });
    const senders = new RecordingSenders();

    // Act
    const result = await processNotificationEvent(event, { router, senders });

    // Assert
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBe(event);
    expect(result.event).toBe(event);
    expect(senders.emails.map((s) => s.context.notificationId)).toEqual([`${EVENT_ID}:0`]);
  });

  it('sends what processNotificationMessage sends for the message carrying the same event', async () => {
    // Arrange
    const event = makeEvent();
    const router = routerFor(threeNotifications);
    const fromEvent = new RecordingSenders();
    const fromMessage = new RecordingSenders();

    // Act
    const direct = await processNotificationEvent(event, { router, senders: fromEvent });
    const rebuilt = await processNotificationMessage(queueMessageFor(event), {
      router,
      senders: fromMessage,
    });

    // Assert
    expect(direct).toEqual(rebuilt);
    expect(fromEvent.sent).toEqual(fromMessage.sent);
  });
});
