import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { ChaosConsumer } from '../../chaos/ChaosConsumer.ts';
import { Faults } from '../../chaos/faults.ts';
import { WindowCounter } from '../../chaos/WindowCounter.ts';
import { notifications } from '../../examples/signup/notifications.ts';
import { LedgerStoreError } from '../../lambdas/ledger/errors.ts';
import { MemoryLedger } from '../../lambdas/ledger/MemoryLedger.ts';
import { SqsEventPump } from '../../lambdas/local/SqsEventPump.ts';
import { RecordingSenders } from '../../lambdas/notifications/RecordingSenders.ts';
import { toOutgoingMessage } from '../../lambdas/outbox/relayEvents.ts';
import type { DeadLetterInfo, DeadLetterSink } from '../../lambdas/ports.ts';
import { MemoryQueue } from '../../lambdas/queue/MemoryQueue.ts';
import { EVENT_ID, fakeClock, makeEvent } from '../helpers/events.ts';

const NOTIFICATION_ID = `${EVENT_ID}:0`;
/** How long the other worker's claim holds: longer than any first-receive backoff (5-10 s). */
const OTHER_LEASE_MS = 40_000;

/**
 * A ChaosConsumer at fault rate 0 over one relayed signup whose welcome email another worker
 * has claimed, on a queue with `maxReceiveCount` receives.
 */
async function heldByAnotherWorker(maxReceiveCount: number) {
  const clock = fakeClock();
  const queue = new MemoryQueue({ name: 'notifications', clock, maxReceiveCount });
  const event = makeEvent({
    payload: { userId: '5b0f7a4e-2c1d-4e8f-9a3b-000000000001', email: 'ada@example.com' },
  });
  await queue.sendBatch([toOutgoingMessage({ event, outbox: 'users' }, false)]);
  const ledger = new MemoryLedger({ clock });
  await ledger.worker().claim(NOTIFICATION_ID, clock() + OTHER_LEASE_MS);
  const visibilitySeconds: number[] = [];
  const deadLetters: DeadLetterInfo[] = [];
  const sink: DeadLetterSink<SQSRecord> = {
    deadLetter: async (_record, info) => {
      deadLetters.push(info);
      return { complete: true };
    },
  };
  const provider = new RecordingSenders();
  const consumer = new ChaosConsumer({
    provider,
    ledger,
    deadLetters: sink,
    visibility: {
      changeVisibility: async (handle, seconds) => {
        visibilitySeconds.push(seconds);
        await queue.visibilityChanger().changeVisibility(handle, seconds);
      },
    },
    router: notifications.router,
    queueSpec: notifications.queue,
    faults: new Faults(1, 0),
    windows: new WindowCounter(),
    undeliverable: () => false,
    clock,
    random: () => 0.5,
    maxReceiveCount,
  });
  return {
    pump: new SqsEventPump(queue, consumer.handler),
    visibilitySeconds,
    deadLetters,
    provider,
  };
}

describe('ChaosConsumer', () => {
  it("waits out another worker's lease before the retry, as the real ledger reports it", async () => {
    // Arrange
    const { pump, visibilitySeconds, deadLetters, provider } = await heldByAnotherWorker(10);

    // Act
    const result = await pump.pumpOnce();

    // Assert
    expect(result.failed).toBe(1);
    expect(provider.emails).toEqual([]);
    expect(deadLetters).toEqual([]);
    // Without the lease the first backoff would be 8 s, well inside the other worker's lease.
    expect(visibilitySeconds).toEqual([OTHER_LEASE_MS / 1000 + 1]);
  });

  it("dead-letters a transient failure on the queue's last receive, with its reason", async () => {
    // Arrange
    const { pump, visibilitySeconds, deadLetters, provider } = await heldByAnotherWorker(1);

    // Act
    await pump.pumpOnce();

    // Assert
    expect(provider.emails).toEqual([]);
    expect(visibilitySeconds).toEqual([]);
    expect(deadLetters).toEqual([
      expect.objectContaining({
        eventId: EVENT_ID,
        errorName: 'NotificationDeliveryError',
        reason: expect.stringMatching(
          /is being sent by another worker.*\(transient, retries exhausted: receive 1 of maxReceiveCount 1\)$/,
        ),
        receiveCount: 1,
      }),
    ]);
  });

  describe('counting the window at a failed completion', () => {
    /** One relayed signup through a ChaosConsumer at rate 0 whose ledger fails `complete` `failures` times. */
    async function withFailingCompletes(failures: number) {
      const clock = fakeClock();
      const queue = new MemoryQueue({ name: 'notifications', clock, maxReceiveCount: 10 });
      const event = makeEvent({
        payload: { userId: '5b0f7a4e-2c1d-4e8f-9a3b-000000000001', email: 'ada@example.com' },
      });
      await queue.sendBatch([toOutgoingMessage({ event, outbox: 'users' }, false)]);
      let left = failures;
      const ledger = new MemoryLedger({
        clock,
        fault: (operation, id) =>
          operation === 'complete' && left-- > 0
            ? new LedgerStoreError('complete', id, 'ThrottlingException', false, new Error('x'))
            : undefined,
      });
      const windows = new WindowCounter();
      const provider = new RecordingSenders();
      const consumer = new ChaosConsumer({
        provider,
        ledger,
        deadLetters: { deadLetter: async () => ({ complete: true }) },
        visibility: queue.visibilityChanger(),
        router: notifications.router,
        queueSpec: notifications.queue,
        faults: new Faults(1, 0),
        windows,
        undeliverable: () => false,
        clock,
        sleep: async (ms) => clock.advance(ms),
        random: () => 0.5,
      });
      await new SqsEventPump(queue, consumer.handler).pumpOnce();
      return { consumer, windows, ledger, provider };
    }

    it('opens no window when a retry records the completion', async () => {
      // Act
      const { consumer, windows, ledger, provider } = await withFailingCompletes(2);

      // Assert
      expect(provider.emails).toHaveLength(1);
      expect(ledger.status(NOTIFICATION_ID)).toBe('completed');
      expect(windows.byCause()).toEqual({
        completeFailed: 0,
        crashAfterSend: 0,
        timeoutAfterAccept: 0,
      });
      expect(consumer.stats()).toMatchObject({
        completeAttemptsFailed: 2,
        completionsRecoveredByRetry: 1,
      });
    });

    it('opens one window when the consumer gives the completion up', async () => {
      // Act
      const { consumer, windows, ledger } = await withFailingCompletes(Number.POSITIVE_INFINITY);

      // Assert
      expect(ledger.status(NOTIFICATION_ID)).toBe('in-progress');
      expect(windows.byCause()).toEqual({
        completeFailed: 1,
        crashAfterSend: 0,
        timeoutAfterAccept: 0,
      });
      expect(windows.byEvent()).toEqual(new Map([[EVENT_ID, 1]]));
      expect(consumer.stats()).toMatchObject({
        completeAttemptsFailed: 3,
        completionsRecoveredByRetry: 0,
      });
    });
  });
});
