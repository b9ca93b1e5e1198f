import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  ChangeMessageVisibilityCommand,
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  notifications,
  USER_REGISTERED,
  type UserRegistered,
  userNotificationsQueue,
} from '../../examples/signup/notifications.ts';
import { DeadLetterAttribute, sqsRecordDeadLetters } from '../../lambdas/aws/deadLetter.ts';
import { SqsQueueSender } from '../../lambdas/aws/SqsQueueSender.ts';
import {
  consumeSqsRecords,
  maxReceiveCountFromEnv,
  SqsVisibilityChanger,
  type UnmappedEventOptions,
  visibilityBackoffSeconds,
} from '../../lambdas/aws/sqsConsumer.ts';
import { Env, MetricName } from '../../lambdas/constants.ts';
import type { IntegrationEvent } from '../../lambdas/events/types.ts';
import { MemoryLedger } from '../../lambdas/ledger/MemoryLedger.ts';
import { SendError } from '../../lambdas/notifications/errors.ts';
import { NotificationRouter } from '../../lambdas/notifications/NotificationRouter.ts';
import { RecordingSenders } from '../../lambdas/notifications/RecordingSenders.ts';
import { toOutgoingMessage } from '../../lambdas/outbox/relayEvents.ts';
import type {
  DeadLetterInfo,
  DeadLetterSink,
  EmailNotification,
  NotificationLedger,
} from '../../lambdas/ports.ts';
import { eventIds, fakeClock, makeEvent, thrownBy } from '../helpers/events.ts';
import { makeSqsEvent, makeSqsRecord, type SqsRecordOverrides } from '../helpers/sqs.ts';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/tidings-events';
const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/tidings-consumer-dlq';
const FIFO_ARN = 'arn:aws:sqs:us-east-1:000000000000:tidings-events.fifo';

const sqs = mockClient(SQSClient);
const client = new SQSClient({ region: 'us-east-1' });

beforeEach(() => {
  sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
    Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id, MessageId: 'dlq-1' })),
    Failed: [],
  }));
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
});

afterEach(() => {
  sqs.reset();
});

/** An SQS record carrying the envelope the relay writes for a signup of `email`. */
function signupRecord(eventId: string, email: string, overrides: SqsRecordOverrides = {}) {
  const event = makeEvent({
    eventId,
    payload: { userId: '5b0f7a4e-2c1d-4e8f-9a3b-000000000001', email },
  });
  const message = toOutgoingMessage({ event, outbox: 'users' }, false);
  return makeSqsRecord({ body: message.body, stringAttributes: message.attributes, ...overrides });
}

function sendersFailingFor(errors: Record<string, Error>) {
  return new RecordingSenders({
    fault: (notification) => errors[String((notification as EmailNotification).to)],
  });
}

function transient(retryAfterSeconds?: number) {
  return new SendError({
    channel: 'email',
    reason: 'Throttling',
    permanent: false,
    message: 'SES throttled the send',
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  });
}

function options(
  senders: RecordingSenders,
  extra: { ledger?: NotificationLedger; maxReceiveCount?: number } = {},
) {
  return {
    router: notifications.router,
    senders,
    queueSpec: userNotificationsQueue,
    visibility: new SqsVisibilityChanger({ queueUrl: QUEUE_URL, client }),
    deadLetters: sqsRecordDeadLetters(new SqsQueueSender({ queueUrl: DLQ_URL, client })),
    ledger: extra.ledger && { store: extra.ledger },
    retry: { random: () => 0.5, maxReceiveCount: extra.maxReceiveCount },
  };
}

/** A record of a relayed event whose type the app router has no mapper for. */
function unmappedRecord(eventId: string) {
  const event = makeEvent({
    eventId,
    eventType: 'user.deleted',
    payload: { userId: '5b0f7a4e-2c1d-4e8f-9a3b-000000000001', email: 'ada@example.com' },
  });
  const message = toOutgoingMessage({ event, outbox: 'users' }, false);
  return makeSqsRecord({ body: message.body, stringAttributes: message.attributes });
}

/** Powertools `Metrics` whose single metrics are recorded instead of printed. */
function recordingMetrics() {
  const emitted: { name: string; unit: string; value: number }[] = [];
  const metrics = new Metrics({ namespace: MetricName.NAMESPACE, serviceName: 'test' });
  vi.spyOn(metrics, 'singleMetric').mockImplementation(() => {
    const single = new Metrics({ namespace: MetricName.NAMESPACE, serviceName: 'test' });
    vi.spyOn(single, 'addMetric').mockImplementation((name, unit, value) => {
      emitted.push({ name, unit, value });
      return single;
    });
    return single;
  });
  return { metrics, emitted };
}

function deadLetterEntries() {
  return sqs
    .commandCalls(SendMessageBatchCommand)
    .filter((call) => call.args[0].input.QueueUrl === DLQ_URL)
    .flatMap((call) => call.args[0].input.Entries ?? []);
}

function failedIds(report: { response: { batchItemFailures: { itemIdentifier: string }[] } }) {
  return report.response.batchItemFailures.map((failure) => failure.itemIdentifier);
}

describe('consumeSqsRecords', () => {
  it('reports only the message whose sender failed transiently, and backs it off', async () => {
    // Arrange
    const [a, b, c] = eventIds(3) as [string, string, string];
    const records = [
      signupRecord(a, 'ada@example.com'),
      signupRecord(b, 'bob@example.com'),
      signupRecord(c, 'cy@example.com'),
    ];
    const senders = sendersFailingFor({ 'bob@example.com': transient() });

    // Act
    const report = await consumeSqsRecords(makeSqsEvent(records), options(senders));

    // Assert
    expect(failedIds(report)).toEqual([records[1]?.messageId]);
    expect(senders.emails.map((s) => s.notification.to).sort()).toEqual([
      'ada@example.com',
      'cy@example.com',
    ]);
    expect(sqs).toHaveReceivedCommandTimes(ChangeMessageVisibilityCommand, 1);
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityCommand, {
      QueueUrl: QUEUE_URL,
      ReceiptHandle: records[1]?.receiptHandle,
    });
    expect(deadLetterEntries()).toHaveLength(0);
    expect(report.sent).toEqual({ email: 2 });
    expect(report.failedNotifications).toEqual([{ channel: 'email', permanent: false }]);
  });

  it.each([
    ['as the relay writes it', (attributes: Record<string, string>) => attributes],
    [
      'when its message attributes disagree with the envelope',
      (attributes: Record<string, string>) =>
        Object.fromEntries(Object.keys(attributes).map((name) => [name, `stale-${name}`])),
    ],
  ])(
    'hands the mapper the staged event, envelope metadata included, %s',
    async (_, attributesOf) => {
      // Arrange
      const staged = makeEvent<UserRegistered>({
        eventId: eventIds(1)[0] as string,
        eventType: USER_REGISTERED,
        payload: {
          userId: '5b0f7a4e-2c1d-4e8f-9a3b-000000000001',
          email: 'ada@example.com',
          name: 'Ada',
        },
        occurredAt: '2025-03-04T05:06:07.089Z',
        correlationId: 'signup-request-42',
        causationId: 'command-7',
        orderingKey: 'user-5b0f7a4e',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      });
      const message = toOutgoingMessage({ event: staged, outbox: 'users' }, false);
      const record = makeSqsRecord({
        body: message.body,
        stringAttributes: attributesOf({ ...message.attributes }),
      });
      const received: IntegrationEvent<UserRegistered>[] = [];
      const router = new NotificationRouter().register<UserRegistered>(USER_REGISTERED, (event) => {
        received.push(event);
        return [];
      });
      const senders = new RecordingSenders();

      // Act
      const report = await consumeSqsRecords(makeSqsEvent([record]), {
        ...options(senders),
        router,
      });

      // Assert
      expect(failedIds(report)).toEqual([]);
      expect(deadLetterEntries()).toEqual([]);
      expect(received).toEqual([staged]);
    },
  );

  it.each([
    [
      'a provider refusal (SES MessageRejected)',
      (id: string) => signupRecord(id, 'bad@example.com'),
      'NotificationDeliveryError',
      'Email address is not verified',
    ],
    [
      'a body that is not JSON',
      () => makeSqsRecord({ body: 'hello' }),
      'InvalidEnvelopeError',
      'body is not JSON',
    ],
    [
      'a payload the queue schema rejects',
      (id: string) => signupRecord(id, 'not-an-address'),
      'PayloadValidationError',
      'email',
    ],
    [
      'a body that is not an envelope',
      () => makeSqsRecord({ body: '{"specversion":"0.3"}' }),
      'InvalidEnvelopeError',
      'specversion',
    ],
  ])(
    'dead-letters %s with the reason and reports it done',
    async (_, build, errorName, reasonPart) => {
      // Arrange
      const [id, okId] = eventIds(2) as [string, string];
      const poison = build(id);
      const healthy = signupRecord(okId, 'ada@example.com');
      const rejected = new SendError({
        channel: 'email',
        reason: 'MessageRejected',
        permanent: true,
        message: 'Email address is not verified',
      });
      const senders = sendersFailingFor({ 'bad@example.com': rejected });

      // Act
      const report = await consumeSqsRecords(makeSqsEvent([poison, healthy]), options(senders));

      // Assert
      expect(failedIds(report)).toEqual([]);
      expect(senders.emails.map((s) => s.notification.to)).toEqual(['ada@example.com']);
      const [letter] = deadLetterEntries();
      expect(letter?.MessageBody).toBe(poison.body);
      const attributes = letter?.MessageAttributes ?? {};
      expect(attributes[DeadLetterAttribute.ERROR]?.StringValue).toBe(
        errorName === 'SendError' ? 'NotificationDeliveryError' : errorName,
      );
      expect(attributes[DeadLetterAttribute.REASON]?.StringValue).toContain(reasonPart);
      expect(attributes[DeadLetterAttribute.RECEIVE_COUNT]?.StringValue).toBe('1');
      expect(attributes[DeadLetterAttribute.SOURCE_QUEUE]?.StringValue).toBe('tidings-events');
      expect(report.deadLettered).toBe(1);
      expect(sqs).not.toHaveReceivedCommand(ChangeMessageVisibilityCommand);
    },
  );

  it('dead-letters an event type with no mapper as UnmappedEventTypeError by default', async () => {
    // Arrange
    const [id, okId] = eventIds(2) as [string, string];
    const unmapped = unmappedRecord(id);
    const healthy = signupRecord(okId, 'bob@example.com');
    const senders = new RecordingSenders();

    // Act
    const report = await consumeSqsRecords(makeSqsEvent([unmapped, healthy]), options(senders));

    // Assert
    expect(failedIds(report)).toEqual([]);
    expect(senders.emails.map((s) => s.notification.to)).toEqual(['bob@example.com']);
    const [letter, ...others] = deadLetterEntries();
    expect(others).toEqual([]);
    expect(letter?.MessageBody).toBe(unmapped.body);
    const attributes = letter?.MessageAttributes ?? {};
    expect(attributes[DeadLetterAttribute.ERROR]?.StringValue).toBe('UnmappedEventTypeError');
    expect(attributes[DeadLetterAttribute.REASON]?.StringValue).toBe(
      'UnmappedEventTypeError: no notification mapper registered for event type "user.deleted"',
    );
    expect(attributes[DeadLetterAttribute.EVENT_ID]?.StringValue).toBe(id);
    expect(report).toMatchObject({ deadLettered: 1, unmapped: 0 });
  });

  it('with skipUnmapped acknowledges an unmapped type unsent, with a warning and a metric', async () => {
    // Arrange
    const [a, b, okId] = eventIds(3) as [string, string, string];
    const records = [unmappedRecord(a), unmappedRecord(b), signupRecord(okId, 'bob@example.com')];
    const senders = new RecordingSenders();
    const { metrics, emitted } = recordingMetrics();
    const warn = vi.fn();
    const logger = { info: vi.fn(), warn, error: vi.fn() };

    // Act
    const report = await consumeSqsRecords(makeSqsEvent(records), {
      ...options(senders),
      skipUnmapped: true,
      metrics,
      logger,
    });

    // Assert
    expect(failedIds(report)).toEqual([]);
    expect(deadLetterEntries()).toEqual([]);
    expect(senders.emails.map((s) => s.notification.to)).toEqual(['bob@example.com']);
    expect(report).toMatchObject({ deadLettered: 0, unmapped: 2 });
    expect(emitted).toEqual([{ name: MetricName.EVENTS_UNMAPPED, unit: 'Count', value: 2 }]);
    // Skipping without a place to count the skips does not type-check.
    expectTypeOf<{ skipUnmapped: true }>().not.toExtend<UnmappedEventOptions>();
    const warnings = warn.mock.calls.map(([, fields]) => fields);
    expect(warnings).toHaveLength(2);
    expect(warnings).toEqual(
      expect.arrayContaining([
        { eventId: a, eventType: 'user.deleted', messageId: records[0]?.messageId },
        { eventId: b, eventType: 'user.deleted', messageId: records[1]?.messageId },
      ]),
    );
  });

  it('with skipUnmapped emits no metric when every type is mapped', async () => {
    // Arrange
    const { metrics, emitted } = recordingMetrics();

    // Act
    const report = await consumeSqsRecords(
      makeSqsEvent([signupRecord(eventIds(1)[0] as string, 'ada@example.com')]),
      { ...options(new RecordingSenders()), skipUnmapped: true, metrics },
    );

    // Assert
    expect(report.unmapped).toBe(0);
    expect(emitted).toEqual([]);
  });

  it('carries the event id and original attributes onto the dead letter', async () => {
    // Arrange
    const [id] = eventIds(1) as [string];
    const record = signupRecord(id, 'not-an-address');

    // Act
    await consumeSqsRecords(makeSqsEvent([record]), options(new RecordingSenders()));

    // Assert
    const attributes = deadLetterEntries()[0]?.MessageAttributes ?? {};
    expect(attributes[DeadLetterAttribute.EVENT_ID]?.StringValue).toBe(id);
    expect(attributes.eventType?.StringValue).toBe('user.registered');
  });

  it.each([
    ['names the event by its eventId attribute, lower-cased, when a UUID', 'upper', 'lower'],
    ['names no event when the eventId attribute is not a UUID', 'not-a-uuid', undefined],
  ] as const)('dead-letters a body that does not parse and %s', async (_, attribute, expected) => {
    // Arrange
    const [id] = eventIds(1) as [string];
    const eventId = attribute === 'upper' ? id.toUpperCase() : attribute;
    const record = makeSqsRecord({ body: 'not an envelope', stringAttributes: { eventId } });
    const letters: DeadLetterInfo[] = [];
    const deadLetters: DeadLetterSink<SQSRecord> = {
      deadLetter: async (_record, info) => {
        letters.push(info);
        return { complete: true };
      },
    };

    // Act
    await consumeSqsRecords(makeSqsEvent([record]), {
      ...options(new RecordingSenders()),
      deadLetters,
    });

    // Assert
    expect(letters.map((letter) => [letter.errorName, letter.eventId])).toEqual([
      ['InvalidEnvelopeError', expected === 'lower' ? id : undefined],
    ]);
  });

  it('keeps a permanent failure in batchItemFailures when the dead-letter send fails', async () => {
    // Arrange
    sqs
      .on(SendMessageBatchCommand, { QueueUrl: DLQ_URL })
      .rejects(Object.assign(new Error('down'), { name: 'ServiceUnavailable', $fault: 'server' }));
    const [poisonId, okId] = eventIds(2) as [string, string];
    const poison = signupRecord(poisonId, 'not-an-address');
    const healthy = signupRecord(okId, 'ada@example.com');

    // Act
    const report = await consumeSqsRecords(
      makeSqsEvent([poison, healthy]),
      options(new RecordingSenders()),
    );

    // Assert
    expect(failedIds(report)).toEqual([poison.messageId]);
    expect(report.deadLettered).toBe(0);
  });

  it('backs off longer as the receive count grows', async () => {
    // Arrange
    const ids = eventIds(3);
    const records = [1, 3, 6].map((count, i) =>
      signupRecord(ids[i] as string, 'bob@example.com', {
        attributes: { ApproximateReceiveCount: String(count) },
      }),
    );
    const senders = sendersFailingFor({ 'bob@example.com': transient() });

    // Act
    await consumeSqsRecords(makeSqsEvent(records), options(senders));

    // Assert
    const timeouts = records.map(
      (record) =>
        sqs
          .commandCalls(ChangeMessageVisibilityCommand)
          .find((call) => call.args[0].input.ReceiptHandle === record.receiptHandle)?.args[0].input
          .VisibilityTimeout,
    );
    // Base 10 s doubling per delivery, with jitter fixed at the middle (3/4 of the delay).
    expect(timeouts).toEqual([8, 30, 240]);
  });

  it("honours a sender's retryAfterSeconds when it is longer than the backoff", async () => {
    // Arrange
    const record = signupRecord(eventIds(1)[0] as string, 'bob@example.com');
    const senders = sendersFailingFor({ 'bob@example.com': transient(120) });

    // Act
    await consumeSqsRecords(makeSqsEvent([record]), options(senders));

    // Assert
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityCommand, {
      VisibilityTimeout: 120,
    });
  });

  describe('on the last receive the queue allows', () => {
    const onReceive = (count: number) =>
      signupRecord(eventIds(1)[0] as string, 'bob@example.com', {
        attributes: { ApproximateReceiveCount: String(count) },
      });

    it('dead-letters a transient failure itself, with its reason and the receive count', async () => {
      // Arrange
      const record = onReceive(10);
      const senders = sendersFailingFor({ 'bob@example.com': transient() });

      // Act
      const report = await consumeSqsRecords(
        makeSqsEvent([record]),
        options(senders, { maxReceiveCount: 10 }),
      );

      // Assert
      expect(failedIds(report)).toEqual([]);
      expect(sqs).not.toHaveReceivedCommand(ChangeMessageVisibilityCommand);
      const [letter, ...others] = deadLetterEntries();
      expect(others).toEqual([]);
      expect(letter?.MessageBody).toBe(record.body);
      const attributes = letter?.MessageAttributes ?? {};
      expect(attributes[DeadLetterAttribute.ERROR]?.StringValue).toBe('NotificationDeliveryError');
      const reason = attributes[DeadLetterAttribute.REASON]?.StringValue;
      expect(reason).toMatch(/^NotificationDeliveryError: 1 of 1 notifications /);
      expect(reason).toContain('#0 email: SES throttled the send');
      expect(reason).toMatch(/\(transient, retries exhausted: receive 10 of maxReceiveCount 10\)$/);
      expect(attributes[DeadLetterAttribute.RECEIVE_COUNT]?.StringValue).toBe('10');
      expect(report).toMatchObject({ deadLettered: 1, retried: 0 });
      expect(report.failedNotifications).toEqual([{ channel: 'email', permanent: false }]);
    });

    it('retries a transient failure on an earlier receive', async () => {
      // Arrange
      const record = onReceive(9);
      const senders = sendersFailingFor({ 'bob@example.com': transient() });

      // Act
      const report = await consumeSqsRecords(
        makeSqsEvent([record]),
        options(senders, { maxReceiveCount: 10 }),
      );

      // Assert
      expect(failedIds(report)).toEqual([record.messageId]);
      expect(deadLetterEntries()).toEqual([]);
    });

    it('retries it, as before, when the maxReceiveCount is not known', async () => {
      // Arrange
      const record = onReceive(10);
      const senders = sendersFailingFor({ 'bob@example.com': transient() });

      // Act
      const report = await consumeSqsRecords(makeSqsEvent([record]), options(senders));

      // Assert
      expect(failedIds(report)).toEqual([record.messageId]);
      expect(deadLetterEntries()).toEqual([]);
      expect(sqs).toHaveReceivedCommandTimes(ChangeMessageVisibilityCommand, 1);
    });

    it('leaves the message for a retry when the dead-letter send fails', async () => {
      // Arrange
      sqs
        .on(SendMessageBatchCommand, { QueueUrl: DLQ_URL })
        .rejects(
          Object.assign(new Error('down'), { name: 'ServiceUnavailable', $fault: 'server' }),
        );
      const record = onReceive(10);
      const senders = sendersFailingFor({ 'bob@example.com': transient() });

      // Act
      const report = await consumeSqsRecords(
        makeSqsEvent([record]),
        options(senders, { maxReceiveCount: 10 }),
      );

      // Assert
      expect(failedIds(report)).toEqual([record.messageId]);
      expect(report).toMatchObject({ deadLettered: 0, retried: 1 });
    });
  });

  it("waits out another worker's ledger lease instead of retrying before it ends", async () => {
    // Arrange
    const clock = fakeClock();
    const ledger = new MemoryLedger({ clock });
    const [id] = eventIds(1) as [string];
    await ledger.worker().claim(`${id}:0`, clock() + 25_000);
    const senders = new RecordingSenders();
    const record = signupRecord(id, 'ada@example.com');

    // Act
    const report = await consumeSqsRecords(makeSqsEvent([record]), {
      ...options(senders, { ledger }),
      clock,
    });

    // Assert: the first receive's backoff would be 8 s; the lease has 25 s left.
    expect(failedIds(report)).toEqual([record.messageId]);
    expect(senders.sent).toEqual([]);
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityCommand, {
      ReceiptHandle: record.receiptHandle,
      VisibilityTimeout: 26,
    });
  });

  it('retries an error it does not know, as transient', async () => {
    // Arrange
    const record = signupRecord(eventIds(1)[0] as string, 'bob@example.com');
    const senders = sendersFailingFor({ 'bob@example.com': new Error('socket hang up') });

    // Act
    const report = await consumeSqsRecords(makeSqsEvent([record]), options(senders));

    // Assert
    expect(failedIds(report)).toEqual([record.messageId]);
    expect(deadLetterEntries()).toHaveLength(0);
  });

  it('still reports the failure when changing visibility fails', async () => {
    // Arrange
    sqs.on(ChangeMessageVisibilityCommand).rejects(new Error('ReceiptHandleIsInvalid'));
    const record = signupRecord(eventIds(1)[0] as string, 'bob@example.com');
    const senders = sendersFailingFor({ 'bob@example.com': transient() });

    // Act
    const report = await consumeSqsRecords(makeSqsEvent([record]), options(senders));

    // Assert
    expect(failedIds(report)).toEqual([record.messageId]);
  });

  it('on a FIFO queue holds back the rest of a failed message group, not other groups', async () => {
    // Arrange
    const [a, b, c] = eventIds(3) as [string, string, string];
    const fifo = (id: string, email: string, group: string): SQSRecord =>
      signupRecord(id, email, {
        eventSourceARN: FIFO_ARN,
        attributes: { MessageGroupId: group },
      });
    const records = [
      fifo(a, 'bob@example.com', 'g1'),
      fifo(b, 'ada@example.com', 'g1'),
      fifo(c, 'cy@example.com', 'g2'),
    ];
    const senders = sendersFailingFor({ 'bob@example.com': transient() });

    // Act
    const report = await consumeSqsRecords(makeSqsEvent(records), options(senders));

    // Assert
    expect(failedIds(report)).toEqual([records[0]?.messageId, records[1]?.messageId]);
    expect(senders.emails.map((s) => s.notification.to)).toEqual(['cy@example.com']);
  });

  it('passes the ledger through, so notifications a ledger saw completed are skipped', async () => {
    // Arrange
    const ledger: NotificationLedger = {
      claim: async () => ({ outcome: 'completed' }),
      complete: async () => {},
      release: async () => {},
    };
    const senders = new RecordingSenders();
    const record = signupRecord(eventIds(1)[0] as string, 'ada@example.com');

    // Act
    const report = await consumeSqsRecords(makeSqsEvent([record]), options(senders, { ledger }));

    // Assert
    expect(senders.sent).toHaveLength(0);
    expect(failedIds(report)).toEqual([]);
  });
});

describe('maxReceiveCountFromEnv', () => {
  it('reads the count, and nothing when the variable is unset or empty', () => {
    // Act
    const counts = [
      maxReceiveCountFromEnv({ [Env.MAX_RECEIVE_COUNT]: '10' }),
      maxReceiveCountFromEnv({}),
      maxReceiveCountFromEnv({ [Env.MAX_RECEIVE_COUNT]: '' }),
    ];

    // Assert
    expect(counts).toEqual([10, undefined, undefined]);
  });

  it.each(['0', '1001', '2.5', 'ten', '-3'])('refuses %j, naming the variable', (value) => {
    // Act
    const error = thrownBy(() => maxReceiveCountFromEnv({ [Env.MAX_RECEIVE_COUNT]: value }));

    // Assert
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(
      `environment variable TIDINGS_MAX_RECEIVE_COUNT must be an integer from 1 to 1000: ${JSON.stringify(value)}`,
    );
  });
});

describe('visibilityBackoffSeconds', () => {
  it('grows with the receive count up to the maximum', () => {
    // Act
    const delays = [1, 2, 3, 4, 5, 20].map((count) =>
      visibilityBackoffSeconds(count, { random: () => 0.999, maxSeconds: 100 }),
    );

    // Assert
    expect(delays).toEqual([10, 20, 40, 80, 100, 100]);
  });

  it('stays between half and all of the delay whatever the jitter', () => {
    expect(visibilityBackoffSeconds(4, { random: () => 0 })).toBe(40);
    expect(visibilityBackoffSeconds(4, { random: () => 0.9999 })).toBe(80);
  });
});
