import { describe, expect, it } from 'vitest';
import type { QueueMessage } from '../../lambdas/events/types.ts';
import { MemoryLedger } from '../../lambdas/ledger/MemoryLedger.ts';
import { NotificationDeliveryError, SendError } from '../../lambdas/notifications/errors.ts';
import { NotificationRouter } from '../../lambdas/notifications/NotificationRouter.ts';
import { processNotificationMessage } from '../../lambdas/notifications/processNotificationMessage.ts';
import { RecordingSenders } from '../../lambdas/notifications/RecordingSenders.ts';
import type { NotificationSenders } from '../../lambdas/ports.ts';
import {
  EVENT_ID,
  emailNotification,
  fakeClock,
  makeEvent,
  pushNotification,
  queueMessageFor,
  rejectionOf,
  webhookNotification,
} from '../helpers/events.ts';

const router = new NotificationRouter()
  .register('user.registered', () => [
    emailNotification(),
    pushNotification(),
    webhookNotification(),
  ])
  .freeze();

const message = queueMessageFor(makeEvent());
const redelivery: QueueMessage = { ...message, receiveCount: 2 };
const [ID0, ID1, ID2] = [`${EVENT_ID}:0`, `${EVENT_ID}:1`, `${EVENT_ID}:2`];
const ids = [ID0, ID1, ID2];

/** Senders whose push fails transiently `times` times, then succeeds. */
function pushFailing(times: number): RecordingSenders {
  let left = times;
  return new RecordingSenders({
    fault: (notification) =>
      notification.kind === 'push' && left-- > 0
        ? new SendError({
            channel: 'push',
            reason: 'Throttled',
            permanent: false,
            message: 'SNS throttled the publish',
          })
        : undefined,
  });
}

function sendsPerNotification(senders: RecordingSenders): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const send of senders.sent) {
    counts[send.context.notificationId] = (counts[send.context.notificationId] ?? 0) + 1;
  }
  return counts;
}

describe('processNotificationMessage with a MemoryLedger', () => {
  it('re-sends on redelivery only the notification that failed, so each is sent exactly once', async () => {
    const clock = fakeClock();
    const ledger = new MemoryLedger({ clock });
    const senders = pushFailing(1);
    const options = { router, senders, ledger: { store: ledger, leaseMs: 30_000 }, clock };

    const first = await rejectionOf(processNotificationMessage(message, options));
    clock.advance(5_000);
    const second = await processNotificationMessage(redelivery, options);

    expect(first).toBeInstanceOf(NotificationDeliveryError);
    expect((first as NotificationDeliveryError).permanent).toBe(false);
    expect(second).toMatchObject({ dispatched: 1, skipped: 2 });
    expect(second.outcomes.map((o) => o.status)).toEqual(['skipped', 'sent', 'skipped']);
    expect(sendsPerNotification(senders)).toEqual({ [ID0]: 1, [ID1]: 1, [ID2]: 1 });
    expect(ids.map((id) => ledger.status(id))).toEqual(['completed', 'completed', 'completed']);
  });

  it('sends nothing when a fully sent message is delivered again', async () => {
    const clock = fakeClock();
    const ledger = new MemoryLedger({ clock });
    const senders = new RecordingSenders();
    await processNotificationMessage(message, {
      router,
      senders,
      ledger: { store: ledger },
      clock,
    });

    const again = await processNotificationMessage(redelivery, {
      router,
      senders,
      ledger: { store: ledger },
      clock,
    });

    expect(again).toMatchObject({ dispatched: 0, skipped: 3 });
    expect(senders.sent).toHaveLength(3);
  });

  it('costs two ledger writes per notification sent, plus one per skip and one per release', async () => {
    const clock = fakeClock();
    const ledger = new MemoryLedger({ clock });
    const options = { router, senders: pushFailing(1), ledger: { store: ledger }, clock };

    await processNotificationMessage(message, options).catch(() => {});
    await processNotificationMessage(redelivery, options);

    // First delivery: 3 claims, 2 completes, 1 release. Redelivery: 3 claims (2 refused), 1 complete.
    expect(ledger.stats()).toEqual({
      calls: { claim: 6, complete: 3, release: 1 },
      claimOutcomes: { claimed: 4, completed: 2, 'in-progress': 0 },
      errors: 0,
    });
  });

  it('holds back a concurrent duplicate while the first delivery holds the lease', async () => {
    const clock = fakeClock();
    const ledger = new MemoryLedger({ clock });
    const senders = new RecordingSenders();
    await ledger.worker().claim(ID0, clock() + 30_000);

    const error = await rejectionOf(
      processNotificationMessage(message, { router, senders, ledger: { store: ledger }, clock }),
    );

    expect(error).toBeInstanceOf(NotificationDeliveryError);
    expect((error as NotificationDeliveryError).permanent).toBe(false);
    expect(senders.sent.map((s) => s.context.notificationId)).toEqual([ID1, ID2]);
  });

  it('re-sends, after the lease, a notification whose every completion attempt failed: the window that stays open', async () => {
    const clock = fakeClock();
    let lost = 3;
    const ledger = new MemoryLedger({
      clock,
      fault: (operation, id) =>
        operation === 'complete' && id === ID2 && lost-- > 0 ? new Error('throttled') : undefined,
    });
    const senders = new RecordingSenders();
    const sleep = async (ms: number) => clock.advance(ms);
    const options = {
      router,
      senders,
      ledger: { store: ledger, leaseMs: 30_000, completeRetry: { sleep } },
      clock,
    };
    await processNotificationMessage(message, options);

    clock.advance(30_001);
    await processNotificationMessage(redelivery, options);

    expect(lost).toBe(-1);
    expect(sendsPerNotification(senders)[ID2]).toBe(2);
    expect(senders.webhooks.map((s) => s.context.notificationId)).toEqual([ID2, ID2]);
  });

  it('sends once a notification whose completion failed and a retry then recorded, even after the lease', async () => {
    const clock = fakeClock();
    let lost = 2;
    const ledger = new MemoryLedger({
      clock,
      fault: (operation, id) =>
        operation === 'complete' && id === ID2 && lost-- > 0 ? new Error('throttled') : undefined,
    });
    const senders = new RecordingSenders();
    const sleep = async (ms: number) => clock.advance(ms);
    const options = {
      router,
      senders,
      ledger: { store: ledger, leaseMs: 30_000, completeRetry: { sleep } },
      clock,
    };
    await processNotificationMessage(message, options);

    clock.advance(30_001);
    const again = await processNotificationMessage(redelivery, options);

    expect(ledger.status(ID2)).toBe('completed');
    expect(again.outcomes.map((o) => o.status)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(sendsPerNotification(senders)).toEqual({ [ID0]: 1, [ID1]: 1, [ID2]: 1 });
  });

  it('records a completion whose response was lost when the retry finds its own completed record', async () => {
    const clock = fakeClock();
    let lost = 1;
    const ledger = new MemoryLedger({
      clock,
      faultAfterApply: (operation) =>
        operation === 'complete' && lost-- > 0 ? new Error('response lost') : undefined,
    });
    const senders = new RecordingSenders();
    const reported: string[] = [];

    const result = await processNotificationMessage(message, {
      router,
      senders,
      ledger: {
        store: ledger,
        completeRetry: { sleep: async () => {} },
        onError: (_error, id, operation) => reported.push(`${operation} ${id}`),
      },
      clock,
    });

    expect(result.dispatched).toBe(3);
    expect(reported).toEqual([]);
    expect(ids.map((id) => ledger.status(id))).toEqual(['completed', 'completed', 'completed']);
  });

  it('re-sends, on the retry, a notification whose provider accepted it but whose response was lost', async () => {
    const clock = fakeClock();
    const ledger = new MemoryLedger({ clock });
    const provider = new RecordingSenders();
    let lost = 1;
    // The provider records the email, then the response is lost: the sender sees a timeout.
    const senders: NotificationSenders = {
      sendEmail: async (notification, context) => {
        const result = await provider.sendEmail(notification, context);
        if (lost-- > 0) {
          throw new SendError({
            channel: 'email',
            reason: 'timeout',
            permanent: false,
            message: 'no response from SES',
          });
        }
        return result;
      },
      sendPush: (notification, context) => provider.sendPush(notification, context),
      sendWebhook: (notification, context) => provider.sendWebhook(notification, context),
    };
    const options = { router, senders, ledger: { store: ledger, leaseMs: 30_000 }, clock };

    const first = await rejectionOf(processNotificationMessage(message, options));
    const second = await processNotificationMessage(redelivery, options);

    expect((first as NotificationDeliveryError).permanent).toBe(false);
    expect(second.outcomes.map((o) => o.status)).toEqual(['sent', 'skipped', 'skipped']);
    expect(sendsPerNotification(provider)).toEqual({ [ID0]: 2, [ID1]: 1, [ID2]: 1 });
    expect(ledger.status(ID0)).toBe('completed');
  });
});
