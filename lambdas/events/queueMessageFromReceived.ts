import type { ReceivedMessage } from '../queue/MemoryQueue.ts';
import { queueMessageFromEnvelope } from './queueMessageFromEnvelope.ts';
import type { QueueMessage } from './types.ts';

/**
 * The `QueueMessage` a consumer routes from one delivery of a `MemoryQueue` named `queue`:
 * what `processNotificationMessage` takes, with the delivery's message id, attributes,
 * receive count and send time.
 *
 * @example
 * ```ts
 * for (const received of queue.receive({ max: 10 })) {
 *   await processNotificationMessage(queueMessageFromReceived(received, queue.name), options);
 *   queue.ack(received.receiptHandle);
 * }
 * ```
 *
 * @throws InvalidEnvelopeError (permanent) when the body is not a Tidings envelope.
 */
export function queueMessageFromReceived(received: ReceivedMessage, queue: string): QueueMessage {
  return queueMessageFromEnvelope({
    id: received.messageId,
    queue,
    body: received.body,
    attributes: received.attributes,
    receiveCount: received.receiveCount,
    sentAt: received.sentAt,
  });
}
