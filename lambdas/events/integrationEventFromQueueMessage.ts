import { MissingEventTypeError, MissingMessageIdError } from './errors.ts';
import { type Clock, isUuid, uuidv5 } from './ids.ts';
import { Header, type IntegrationEvent, type QueueMessage } from './types.ts';

/** Options of `integrationEventFromQueueMessage`. */
export interface IntegrationEventOptions {
  /** Now, for an event whose message says neither when it occurred nor when it was sent. */
  readonly clock?: Clock;
}

/**
 * Rebuilds the integration event a queue message carries, envelope metadata included.
 *
 * The event id is the `eventId` header when it is a valid UUID; otherwise it is derived
 * deterministically from `"<queue>:<message id>"`, so a redelivery of the same message gets
 * the same id. It is never random and never the ordering key (many events share a key). A
 * message without `headers` is read as one with none.
 *
 * `occurredAt` is the `occurredAt` header; without one, the time the message was sent
 * (`sentAt`), else the clock's now: the latest it can have occurred, never a made-up date.
 *
 * @throws MissingEventTypeError when the message has no type.
 * @throws MissingMessageIdError when there is no usable header and the message id is empty.
 */
export function integrationEventFromQueueMessage<P>(
  message: QueueMessage<P>,
  options: IntegrationEventOptions = {},
): IntegrationEvent<P> {
  if (!message.type) throw new MissingEventTypeError(message.id);
  const headers = message.headers ?? {};
  const headerId = headers[Header.EVENT_ID];
  let eventId: string;
  if (isUuid(headerId)) {
    eventId = headerId.toLowerCase();
  } else {
    if (!message.id) throw new MissingMessageIdError(message.queue);
    eventId = uuidv5(`${message.queue}:${message.id}`);
  }
  return {
    eventId,
    eventType: message.type,
    payload: message.payload,
    occurredAt:
      headers[Header.OCCURRED_AT] || receivedAt(message.sentAt, options.clock ?? Date.now),
    ...optional('correlationId', headers[Header.CORRELATION_ID]),
    ...optional('causationId', headers[Header.CAUSATION_ID]),
    ...optional('traceparent', headers[Header.TRACEPARENT]),
    ...optional('orderingKey', message.key),
  };
}

/** When the message reached the queue, or now when it does not say, as ISO-8601. */
function receivedAt(sentAt: number | undefined, clock: Clock): string {
  return new Date(sentAt !== undefined && Number.isFinite(sentAt) ? sentAt : clock()).toISOString();
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value ? ({ [key]: value } as Record<K, string>) : {};
}

/** The headers that carry an event's id, type, time and envelope metadata on a queue message. */
export function headersForEvent(event: IntegrationEvent): Record<string, string> {
  return {
    [Header.EVENT_ID]: event.eventId,
    [Header.EVENT_TYPE]: event.eventType,
    [Header.OCCURRED_AT]: event.occurredAt,
    ...optional(Header.CORRELATION_ID, event.correlationId),
    ...optional(Header.CAUSATION_ID, event.causationId),
    ...optional(Header.TRACEPARENT, event.traceparent),
  };
}
