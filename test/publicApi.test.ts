import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as tidings from 'tidings';
import {
  defineNotifications,
  MessageCharacterError,
  outboxTransactItem,
  processNotificationMessage,
  type QueueMessage,
  transactWriteWithOutbox,
  UnknownEventTypeError,
} from 'tidings';
import { TidingsConfigurationError, TransactionalNotifications } from 'tidings/cdk';
import {
  createMemoryPipeline,
  MemoryQueue,
  queueMessageFromReceived,
  RecordingSenders,
} from 'tidings/testing';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { DeadLetterAttribute, sqsRecordDeadLetters } from '../lambdas/aws/deadLetter.ts';
import {
  type ConsumerMetrics,
  consumeSqsRecords,
  maxReceiveCountFromEnv,
  type UnmappedEventOptions,
} from '../lambdas/aws/sqsConsumer.ts';
import { toOutgoingMessage } from '../lambdas/outbox/relayEvents.ts';
import type { ClaimAnswer, NotificationLedger } from '../lambdas/ports.ts';
import { EVENT_ID, makeEvent, OTHER_EVENT_ID, T0 } from './helpers/events.ts';
import { makeSqsEvent, makeSqsRecord } from './helpers/sqs.ts';

/** What 'tidings' exports at run time: what a service calls and catches, no more. */
const RUNTIME_EXPORTS = [
  'AwsError',
  'DynamoDbTransactWriter',
  'Env',
  'InvalidNotificationError',
  'MapperError',
  'MessageCharacterError',
  'MetricName',
  'NotificationRouter',
  'PayloadValidationError',
  'SendError',
  'TidingsError',
  'TransactionCanceledError',
  'TransactionLimitError',
  'UnknownEventTypeError',
  'UnmappedEventTypeError',
  'defineNotifications',
  'defineOutbox',
  'defineQueue',
  'describeError',
  'isPermanentError',
  'outboxTransactItem',
  'processNotificationMessage',
  'transactWriteWithOutbox',
  'uuidv7',
];

/** The types 'tidings' exports besides. */
const TYPE_EXPORTS = [
  'DefineNotificationsOptions',
  'DynamoDbTransactWriterOptions',
  'EmailNotification',
  'EnvelopeMetadata',
  'EventRoutes',
  'IntegrationEvent',
  'Notification',
  'NotificationMapper',
  'NotificationSenders',
  'NotificationsDefinition',
  'OutboxEntry',
  'OutboxSpec',
  'ProcessNotificationOptions',
  'ProcessResult',
  'PushNotification',
  'QueueMessage',
  'QueueSpec',
  'SchemaIssue',
  'SendContext',
  'SendResult',
  'StageOptions',
  'TransactItems',
  'TransactWriter',
  'WebhookNotification',
];

/** Every name an `export { ... }` or `export type { ... }` of a barrel lists. */
function exportedNames(source: string): string[] {
  return [...source.matchAll(/export (?:type )?\{([^}]*)\}/g)]
    .flatMap((match) => (match[1] ?? '').split(','))
    .map(
      (name) =>
        name
          .replace(/^\s*type\s+/, '')
          .trim()
          .split(/\s+as\s+/)
          .at(-1) ?? '',
    )
    .filter(Boolean);
}

describe("the package's public API", () => {
  it("pins what 'tidings' exports: what a service calls and catches", () => {
    // Act
    const runtime = Object.keys(tidings).sort();
    const listed = exportedNames(
      readFileSync(join(import.meta.dirname, '..', 'lambdas', 'index.ts'), 'utf8'),
    ).sort();

    // Assert
    expect(runtime).toEqual([...RUNTIME_EXPORTS].sort());
    expect(listed).toEqual([...RUNTIME_EXPORTS, ...TYPE_EXPORTS].sort());
    expect(listed.length).toBeLessThanOrEqual(50);
  });

  it("lets a service define its module, stage in its own transaction and get its notification sent, with 'tidings' and 'tidings/testing'", async () => {
    // Arrange
    const orders = defineNotifications({
      name: 'orders',
      events: { 'order.shipped': z.object({ orderId: z.string(), email: z.email() }) },
      routes: {
        'order.shipped': (e) => [
          {
            kind: 'email',
            to: e.payload.email,
            subject: `Order ${e.payload.orderId}`,
            body: 'On its way',
          },
        ],
      },
    });
    const pipeline = createMemoryPipeline({ notifications: orders });
    const entry = outboxTransactItem({
      tableName: pipeline.outboxTableName,
      outbox: orders.outbox,
      eventType: 'order.shipped',
      payload: { orderId: 'o-1', email: 'a@example.com' },
    });

    // Act
    const event = await transactWriteWithOutbox(
      pipeline.writer,
      [{ Put: { TableName: 'orders', Item: { pk: 'ORDER#o-1', sk: 'ORDER', status: 'shipped' } } }],
      entry,
    );
    await pipeline.deliver();

    // Assert
    expect(pipeline.sent()).toEqual([
      expect.objectContaining({
        notification: expect.objectContaining({ to: 'a@example.com', subject: 'Order o-1' }),
        context: expect.objectContaining({ eventId: event.eventId }),
      }),
    ]);
  });

  it('routes a message received from the MemoryQueue with processNotificationMessage', async () => {
    // Arrange
    const { router, queue: spec, outbox } = shopNotifications();
    const queue = new MemoryQueue({ name: 'shop' });
    const event = outbox.stage('user.registered', {
      userId: '0190a5e4-4a6f-7cc1-8000-000000000001',
      email: 'a@example.com',
    });
    await queue.sendBatch([toOutgoingMessage({ event, outbox: 'shop' }, false)]);
    const [received] = queue.receive();
    if (!received) throw new TypeError('nothing was received');
    const senders = new RecordingSenders();

    // Act
    const message: QueueMessage = queueMessageFromReceived(received, 'shop');
    const result = await processNotificationMessage(message, { router, senders, queueSpec: spec });

    // Assert
    expect(result.dispatched).toBe(1);
    expect(senders.emails[0]?.context.eventId).toBe(event.eventId);
  });

  it('lets a service define its notifications module and exports the errors staging throws, as the classes thrown', () => {
    // Arrange
    const { outbox, queue, router } = shopNotifications();
    const payload = { userId: '0190a5e4-4a6f-7cc1-8000-000000000001', email: 'a@example.com' };

    // Act
    const unknownType = () => outbox.stage('user.deleted' as 'user.registered', payload);
    const refusedCharacter = () =>
      outboxTransactItem({
        tableName: 'tidings',
        outbox,
        eventType: 'user.registered',
        payload: { ...payload, name: 'Ada\uFFFE' },
      });

    // Assert
    for (const spec of [outbox, queue])
      expect(Object.keys(spec.schema)).toEqual(['user.registered']);
    expect(router.eventTypes()).toEqual(['user.registered']);
    expect(unknownType).toThrow(UnknownEventTypeError);
    expect(refusedCharacter).toThrow(MessageCharacterError);
  });
});

/** A service's own notifications module, written with 'tidings' imports only. */
function shopNotifications() {
  return defineNotifications({
    name: 'shop',
    events: {
      'user.registered': z.object({
        userId: z.uuid(),
        email: z.email(),
        name: z.string().optional(),
      }),
    },
    routes: {
      'user.registered': (event) => [
        { kind: 'email', to: event.payload.email, subject: 'Welcome', body: 'Hello!' },
      ],
    },
  });
}

describe('the consumer core, as the Lambda runs it', () => {
  /** An SQS record of a relayed event, delivered for the `receiveCount`-th time. */
  function relayedRecord(eventId: string, eventType: string, receiveCount: number) {
    const event = makeEvent({
      eventId,
      eventType,
      payload: { userId: '5b0f7a4e-2c1d-4e8f-9a3b-000000000001', email: 'ada@example.com' },
    });
    const message = toOutgoingMessage({ event, outbox: 'users' }, false);
    return makeSqsRecord({
      body: message.body,
      stringAttributes: message.attributes,
      attributes: { ApproximateReceiveCount: String(receiveCount) },
    });
  }

  it("lets a service run the consumer with its queue's maxReceiveCount, a lease-reporting ledger and counted skips, using only 'tidings' imports", async () => {
    // Arrange: a ledger of the service's own, where another worker holds the notification.
    const held: ClaimAnswer = { outcome: 'in-progress', leaseUntil: T0 + 30_000 };
    const ledger: NotificationLedger = {
      claim: async () => held,
      complete: async () => {},
      release: async () => {},
    };
    const dlq = new MemoryQueue({ name: 'shop-dlq' });
    const metrics: ConsumerMetrics = new PowertoolsMetrics({ namespace: 'Shop' });
    const counted: number[] = [];
    vi.spyOn(metrics, 'singleMetric').mockImplementation(() => {
      const single = new PowertoolsMetrics({ namespace: 'Shop' });
      vi.spyOn(single, 'addMetric').mockImplementation((_name, _unit, value) => {
        counted.push(value);
        return single;
      });
      return single;
    });
    const skipping: UnmappedEventOptions = { skipUnmapped: true, metrics };

    const { router, queue } = shopNotifications();

    // Act
    const report = await consumeSqsRecords(
      makeSqsEvent([
        relayedRecord(EVENT_ID, 'user.registered', 3),
        relayedRecord(OTHER_EVENT_ID, 'user.deleted', 1),
      ]),
      {
        router,
        queueSpec: queue,
        senders: new RecordingSenders(),
        ledger: { store: ledger },
        visibility: { changeVisibility: async () => {} },
        deadLetters: sqsRecordDeadLetters(dlq),
        retry: { maxReceiveCount: maxReceiveCountFromEnv({ TIDINGS_MAX_RECEIVE_COUNT: '3' }) },
        clock: () => T0,
        ...skipping,
      },
    );

    // Assert
    expect(report).toMatchObject({ deadLettered: 1, unmapped: 1, retried: 0 });
    expect(dlq.messages().map((m) => m.attributes[DeadLetterAttribute.REASON])).toEqual([
      expect.stringMatching(
        /its lease ends within 31 s \(transient, retries exhausted: receive 3 of maxReceiveCount 3\)$/,
      ),
    ]);
    expect(counted).toEqual([1]);
  });
});

/** A team's notifications module, as the construct takes it. */
const SHOP_MODULE = join(import.meta.dirname, 'local', 'fixtures', 'billingNotifications.ts');

describe("the package's CDK API", () => {
  /** Skips asset bundling: the template is what is checked here. */
  const noBundling = { 'aws:cdk:bundling-stacks': [] };

  it("lets a CDK app add the pipeline to its own stack using only 'tidings/cdk' imports", () => {
    // Arrange
    const app = new App({ context: noBundling });
    const stack = new Stack(app, 'Shop');

    // Act
    const notifications = new TransactionalNotifications(stack, 'Notifications', {
      notifications: { entry: SHOP_MODULE, exportName: 'billing' },
      senderEmail: 'no-reply@example.com',
    });

    // Assert: relay, consumer and sweeper; no producer unless asked for.
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::Function', 3);
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    expect(notifications.consumer.node.path).toBe('Shop/Notifications/Consumer');
  }, 60_000);

  it("throws the configuration error class 'tidings/cdk' exports", () => {
    const stack = new Stack(new App({ context: noBundling }), 'Shop');

    const build = () =>
      new TransactionalNotifications(stack, 'Notifications', {
        notifications: { entry: SHOP_MODULE, exportName: 'billing' },
        senderEmail: 'not-an-address',
      });

    expect(build).toThrow(TidingsConfigurationError);
  }, 60_000);
});
