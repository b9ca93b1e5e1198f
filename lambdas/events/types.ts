/** Metadata carried with an event from the producer, through the relay, to the consumer. */
export interface EnvelopeMetadata {
  /** Ties together every event caused by one business request. */
  readonly correlationId?: string;
  /** The id of the event or command that caused this one. */
  readonly causationId?: string;
  /** Events with the same key are delivered in order on a FIFO queue (the message group). */
  readonly orderingKey?: string;
  /** W3C trace context, so a trace spans producer, relay and consumer. */
  readonly traceparent?: string;
}

/**
 * A fact that happened in the business, published through the outbox.
 *
 * `eventId` is a UUID (v7 when Tidings creates it) and is the unit of deduplication
 * everywhere downstream.
 */
export interface IntegrationEvent<P = unknown> extends EnvelopeMetadata {
  readonly eventId: string;
  readonly eventType: string;
  readonly payload: P;
  /** ISO-8601 timestamp of when the business transaction staged the event. */
  readonly occurredAt: string;
}

/** Header names used on queue messages; SQS message attributes carry the same names. */
export const Header = {
  EVENT_ID: 'eventId',
  EVENT_TYPE: 'eventType',
  OCCURRED_AT: 'occurredAt',
  CORRELATION_ID: 'correlationId',
  CAUSATION_ID: 'causationId',
  TRACEPARENT: 'traceparent',
} as const;

/**
 * A message as a consumer receives it from a queue (SQS, or the in-memory `MemoryQueue`).
 *
 * `id` is the broker's message id; the event id comes from the `eventId` header (see
 * `integrationEventFromQueueMessage`).
 */
export interface QueueMessage<P = unknown> {
  /** The broker's message id (SQS `messageId`). */
  readonly id: string;
  /** The queue's name. */
  readonly queue: string;
  /** The event type. */
  readonly type: string;
  /** The ordering key (FIFO message group), if any. */
  readonly key?: string;
  /** Event id, type, time and envelope metadata (see `Header`); none when left out. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly payload: P;
  /** How many times the broker has delivered this message, this delivery included. */
  readonly receiveCount: number;
  /**
   * When the broker took the message, epoch ms (`MemoryQueue`'s `sentAt`, SQS's
   * `SentTimestamp`), if known: the event's time when no `occurredAt` header says.
   */
  readonly sentAt?: number;
}
