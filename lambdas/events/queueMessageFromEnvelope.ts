import { parseCloudEvent } from './envelope.ts';
import { headersForEvent } from './integrationEventFromQueueMessage.ts';
import type { QueueMessage } from './types.ts';

/** A message as a broker hands it over: SQS record fields, or a `MemoryQueue` delivery. */
export interface RawQueueMessage {
  /** The broker's message id. */
  readonly id: string;
  readonly queue: string;
  /** The CloudEvents JSON envelope the relay wrote. */
  readonly body: string;
  /** String message attributes. */
  readonly attributes?: Readonly<Record<string, string>>;
  readonly receiveCount: number;
  /** When the broker took the message, epoch ms, if known. */
  readonly sentAt?: number;
}

/**
 * Builds the `QueueMessage` a consumer routes from a raw broker message: the envelope's id,
 * type, time and metadata become headers (the envelope wins over attributes, since it is
 * what the producer committed), the payload is the envelope's data.
 *
 * @throws InvalidEnvelopeError (permanent) when the body is not JSON or not an envelope.
 */
export function queueMessageFromEnvelope(raw: RawQueueMessage): QueueMessage {
  const event = parseCloudEvent(raw.body);
  return {
    id: raw.id,
    queue: raw.queue,
    type: event.eventType,
    ...(event.orderingKey ? { key: event.orderingKey } : {}),
    headers: { ...raw.attributes, ...headersForEvent(event) },
    payload: event.payload,
    receiveCount: raw.receiveCount,
    ...(raw.sentAt === undefined ? {} : { sentAt: raw.sentAt }),
  };
}
