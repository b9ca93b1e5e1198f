import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  createAppRouter,
  defineOutbox,
  defineQueue,
  MemoryOutboxStore,
  MemoryQueue,
  NotificationRouter,
  OutboxRelay,
  processNotificationMessage,
  queueMessageFromEnvelope,
  RecordingSenders,
} from 'tidings';
import { TidingsConfigurationError, TransactionalNotifications } from 'tidings/cdk';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

describe("the package's public API", () => {
  it("lets a service stage, relay and route an event using only 'tidings' imports", async () => {
    // Arrange
    const OrderShipped = z.object({ orderId: z.string(), email: z.email() });
    const queue = new MemoryQueue({ name: 'orders' });
    const spec = defineQueue({ name: 'orders', schema: OrderShipped });
    const outbox = defineOutbox({ name: 'orders', schema: OrderShipped, destination: spec });
    const store = new MemoryOutboxStore();
    const event = outbox.stage('order.shipped', { orderId: 'o-1', email: 'a@example.com' });
    const { toOutboxItem } = await import('tidings');
    await store.transactWrite([
      { Put: { TableName: 't', Item: { ...toOutboxItem(event, outbox) } } },
    ]);
    const router = new NotificationRouter()
      .register<z.infer<typeof OrderShipped>>('order.shipped', (e) => [
        {
          kind: 'email',
          to: e.payload.email,
          subject: `Order ${e.payload.orderId}`,
          body: 'On its way',
        },
      ])
      .freeze();
    const senders = new RecordingSenders();

    // Act
    await new OutboxRelay({ outbox: store, queue }).relayPending();
    const [received] = queue.receive();
    const message = queueMessageFromEnvelope({
      id: received?.messageId ?? '',
      queue: 'orders',
      body: received?.body ?? '',
      receiveCount: 1,
    });
    const result = await processNotificationMessage(message, { router, senders, queue: spec });

    // Assert
    expect(result.dispatched).toBe(1);
    expect(senders.emails[0]?.notification).toMatchObject({
      to: 'a@example.com',
      subject: 'Order o-1',
    });
    expect(senders.emails[0]?.context.eventId).toBe(event.eventId);
    expect(createAppRouter().eventTypes()).toEqual(['user.registered']);
  });
});

describe("the package's CDK API", () => {
  /** Skips asset bundling: the template is what is checked here. */
  const noBundling = { 'aws:cdk:bundling-stacks': [] };

  it("lets a CDK app add the pipeline to its own stack using only 'tidings/cdk' imports", () => {
    // Arrange
    const app = new App({ context: noBundling });
    const stack = new Stack(app, 'Shop');

    // Act
    const notifications = new TransactionalNotifications(stack, 'Notifications', {
      senderEmail: 'no-reply@example.com',
    });

    // Assert
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Lambda::Function', 4);
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    expect(notifications.consumer.node.path).toBe('Shop/Notifications/Consumer');
  }, 60_000);

  it("throws the configuration error class 'tidings/cdk' exports", () => {
    const stack = new Stack(new App({ context: noBundling }), 'Shop');

    const build = () =>
      new TransactionalNotifications(stack, 'Notifications', { senderEmail: 'not-an-address' });

    expect(build).toThrow(TidingsConfigurationError);
  }, 60_000);
});
