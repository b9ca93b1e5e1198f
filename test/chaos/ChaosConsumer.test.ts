import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { ChaosConsumer } from '../../chaos/ChaosConsumer.ts';
import { Faults } from '../../chaos/faults.ts';
import { WindowCounter } from '../../chaos/WindowCounter.ts';
import { notifications } from '../../examples/signup/notifications.ts';
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
});
