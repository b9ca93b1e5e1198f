import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { notifications } from '../../examples/signup/notifications.ts';
import { Env, MetricName } from '../../lambdas/constants.ts';
import {
  consumerDepsFromEnv,
  consumerLambdaHandler,
  createConsumerHandler,
  leaseMsFor,
} from '../../lambdas/consumer.ts';
import { SqsEventPump } from '../../lambdas/local/SqsEventPump.ts';
import { SendError } from '../../lambdas/notifications/errors.ts';
import { NotificationRouter } from '../../lambdas/notifications/NotificationRouter.ts';
import { RecordingSenders } from '../../lambdas/notifications/RecordingSenders.ts';
import { toOutgoingMessage } from '../../lambdas/outbox/relayEvents.ts';
import type { DeadLetterSink, NotificationLedger } from '../../lambdas/ports.ts';
import { MemoryQueue } from '../../lambdas/queue/MemoryQueue.ts';
import { eventIds, fakeClock, makeEvent } from '../helpers/events.ts';
import { makeSqsEvent, makeSqsRecord } from '../helpers/sqs.ts';

function relayed(eventId: string, email: string) {
  const event = makeEvent({
    eventId,
    payload: { userId: '5b0f7a4e-2c1d-4e8f-9a3b-000000000001', email },
  });
  return toOutgoingMessage({ event, outbox: 'users' }, false);
}

function contextWith(remainingMs: number): Context {
  return { getRemainingTimeInMillis: () => remainingMs } as Context;
}

const noDeadLetters: DeadLetterSink<SQSRecord> = {
  deadLetter: () => Promise.reject(new Error('no dead letters expected')),
};

describe('leaseMsFor', () => {
  it('is 60 s at most, and otherwise the time left minus the margin, never under 1 s', () => {
    expect(leaseMsFor(contextWith(900_000))).toBe(60_000);
    expect(leaseMsFor(contextWith(20_000))).toBe(15_000);
    expect(leaseMsFor(contextWith(3_000))).toBe(1_000);
    expect(leaseMsFor(undefined)).toBe(60_000);
  });
});

describe('createConsumerHandler', () => {
  it('runs on a MemoryQueue through the local event pump: sends, backs off and dead-letters', async () => {
    // Arrange
    const clock = fakeClock();
    const queue = new MemoryQueue({ name: 'tidings-events', clock });
    const [good, poison, flaky] = eventIds(3) as [string, string, string];
    await queue.sendBatch([
      relayed(good, 'ada@example.com'),
      relayed(poison, 'not-an-address'),
      relayed(flaky, 'bob@example.com'),
    ]);
    const senders = new RecordingSenders({
      fault: (notification) =>
        notification.kind === 'email' && notification.to === 'bob@example.com'
          ? new SendError({
              channel: 'email',
              reason: 'http-503',
              permanent: false,
              message: '503',
            })
          : undefined,
    });
    const handler = createConsumerHandler({
      router: notifications.router,
      queueSpec: notifications.queue,
      senders,
      visibility: queue.visibilityChanger(),
      deadLetters: {
        deadLetter: async (record, info) => {
          queue.deadLetter(record.receiptHandle, info.reason);
          return { complete: true };
        },
      },
      retry: { random: () => 0.5 },
      clock,
    });

    // Act
    const result = await new SqsEventPump(queue, handler).pumpOnce();

    // Assert
    expect(result.failed).toBe(1);
    expect(senders.emails.map((s) => s.notification.to)).toEqual(['ada@example.com']);
    expect(queue.deadLetters().map((letter) => letter.reason)).toEqual([
      expect.stringContaining('PayloadValidationError'),
    ]);
    // The flaky message is backed off by the first-delivery delay (3/4 of 10 s), not the default 30 s.
    expect(queue.msUntilNextVisible()).toBe(8_000);
  });

  it('claims notifications with a lease bounded by the invocation time left', async () => {
    // Arrange
    const clock = fakeClock();
    const claim = vi.fn<NotificationLedger['claim']>(async () => ({ outcome: 'claimed' }));
    const ledger: NotificationLedger = { claim, complete: async () => {}, release: async () => {} };
    const message = relayed(eventIds(1)[0] as string, 'ada@example.com');
    const handler = createConsumerHandler({
      router: notifications.router,
      queueSpec: notifications.queue,
      senders: new RecordingSenders(),
      visibility: { changeVisibility: async () => {} },
      deadLetters: noDeadLetters,
      ledger: { store: ledger },
      clock,
    });

    // Act
    await handler(
      makeSqsEvent([makeSqsRecord({ body: message.body, stringAttributes: message.attributes })]),
      contextWith(20_000),
    );

    // Assert
    expect(claim).toHaveBeenCalledWith(expect.any(String), clock() + 15_000);
  });

  it("claims for no longer than the ledger's leaseMs when the invocation has more time", async () => {
    // Arrange
    const clock = fakeClock();
    const claim = vi.fn<NotificationLedger['claim']>(async () => ({ outcome: 'claimed' }));
    const ledger: NotificationLedger = { claim, complete: async () => {}, release: async () => {} };
    const message = relayed(eventIds(1)[0] as string, 'ada@example.com');
    const handler = createConsumerHandler({
      router: notifications.router,
      queueSpec: notifications.queue,
      senders: new RecordingSenders(),
      visibility: { changeVisibility: async () => {} },
      deadLetters: noDeadLetters,
      ledger: { store: ledger, leaseMs: 10_000, leaseSafetyMarginMs: 1_000 },
      clock,
    });

    // Act
    await handler(
      makeSqsEvent([makeSqsRecord({ body: message.body, stringAttributes: message.attributes })]),
      contextWith(900_000),
    );

    // Assert
    expect(claim).toHaveBeenCalledWith(expect.any(String), clock() + 10_000);
  });

  it('hands its validation options on, so a loopback http webhook is sent on a local run', async () => {
    // Arrange
    const router = new NotificationRouter()
      .register('user.registered', () => [
        { kind: 'webhook', url: 'http://127.0.0.1:9000/hook', payload: { hello: 'world' } },
      ])
      .freeze();
    const senders = new RecordingSenders();
    const message = relayed(eventIds(1)[0] as string, 'ada@example.com');
    const handler = createConsumerHandler({
      router,
      queueSpec: notifications.queue,
      senders,
      visibility: { changeVisibility: async () => {} },
      deadLetters: noDeadLetters,
      validation: { allowLoopbackHttp: true },
    });

    // Act
    const response = await handler(
      makeSqsEvent([makeSqsRecord({ body: message.body, stringAttributes: message.attributes })]),
    );

    // Assert
    expect(response.batchItemFailures).toEqual([]);
    expect(senders.webhooks.map((s) => s.notification.url)).toEqual(['http://127.0.0.1:9000/hook']);
  });

  it('emits sent and failed notifications per channel', async () => {
    // Arrange
    const metrics = new Metrics({ namespace: MetricName.NAMESPACE, serviceName: 'test' });
    const dimensions: Record<string, string>[] = [];
    const added: [string, number][] = [];
    vi.spyOn(metrics, 'singleMetric').mockImplementation(() => {
      const single = new Metrics({ namespace: MetricName.NAMESPACE, serviceName: 'test' });
      const own: Record<string, string> = {};
      dimensions.push(own);
      vi.spyOn(single, 'addDimension').mockImplementation((name, value) => {
        own[name] = value;
        return single;
      });
      vi.spyOn(single, 'addMetric').mockImplementation((name, _unit, value) => {
        added.push([name, value]);
        return single;
      });
      return single;
    });
    const [a, b] = eventIds(2) as [string, string];
    const records = [relayed(a, 'ada@example.com'), relayed(b, 'bob@example.com')].map((m) =>
      makeSqsRecord({ body: m.body, stringAttributes: m.attributes }),
    );
    const senders = new RecordingSenders({
      fault: (n) =>
        n.kind === 'email' && n.to === 'bob@example.com'
          ? new SendError({ channel: 'email', reason: 'timeout', permanent: false, message: 't' })
          : undefined,
    });
    const handler = createConsumerHandler({
      router: notifications.router,
      queueSpec: notifications.queue,
      senders,
      visibility: { changeVisibility: async () => {} },
      deadLetters: noDeadLetters,
      metrics,
    });

    // Act
    await handler(makeSqsEvent(records));

    // Assert
    expect(added).toEqual([
      [MetricName.NOTIFICATIONS_SENT, 1],
      [MetricName.NOTIFICATIONS_FAILED, 1],
    ]);
    expect(dimensions).toEqual([{ channel: 'email' }, { channel: 'email', permanent: 'false' }]);
  });
});

describe('consumerDepsFromEnv', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  function stubConsumerEnv(maxReceiveCount: string | undefined) {
    vi.stubEnv(Env.FROM_ADDRESS, 'no-reply@example.com');
    vi.stubEnv(Env.CONSUMER_DLQ_URL, 'https://sqs.eu-west-1.amazonaws.com/111122223333/dlq');
    vi.stubEnv(Env.LEDGER_TABLE_NAME, undefined);
    vi.stubEnv(Env.WEBHOOK_SECRET_ARN, undefined);
    vi.stubEnv(Env.MAX_RECEIVE_COUNT, maxReceiveCount);
  }

  it("takes the queue's maxReceiveCount from the variable the CDK construct sets", () => {
    // Arrange
    stubConsumerEnv('10');

    // Act
    const deps = consumerDepsFromEnv();

    // Assert
    expect(deps.retry?.maxReceiveCount).toBe(10);
  });

  it.each([
    ['true', true],
    [undefined, false],
  ])('accepts loopback http webhooks when the variable is %j: %j', (value, allowed) => {
    // Arrange
    stubConsumerEnv('10');
    vi.stubEnv(Env.ALLOW_LOOPBACK_WEBHOOKS, value);

    // Act
    const deps = consumerDepsFromEnv();

    // Assert
    expect(deps.validation?.allowLoopbackHttp).toBe(allowed);
  });

  it('leaves maxReceiveCount unknown without the variable', () => {
    // Arrange
    stubConsumerEnv(undefined);

    // Act
    const deps = consumerDepsFromEnv();

    // Assert
    expect(deps.retry?.maxReceiveCount).toBeUndefined();
  });
});

describe('consumerLambdaHandler', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('builds the entry point of a notifications module without reading the environment', () => {
    // Arrange: nothing the consumer reads from its environment is set.
    vi.stubEnv(Env.FROM_ADDRESS, undefined);
    vi.stubEnv(Env.CONSUMER_DLQ_URL, undefined);

    // Act
    const handler = consumerLambdaHandler(notifications);

    // Assert
    expect(handler).toBeTypeOf('function');
  });

  it('throws a TypeError at once for a value defineNotifications did not make', () => {
    // Act / Assert
    expect(() =>
      consumerLambdaHandler({ router: notifications.router, queue: notifications.queue } as never),
    ).toThrow(TypeError);
    expect(() => consumerLambdaHandler(null as never)).toThrow(
      /consumer: expected the notifications made by defineNotifications\(\), got null/,
    );
  });
});
