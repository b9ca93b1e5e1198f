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
