import { MissingEventTypeError, MissingMessageIdError } from './errors.ts';
import { isUuid, uuidv5 } from './ids.ts';
import { Header, type IntegrationEvent, type QueueMessage } from './types.ts';

/**
 * Rebuilds the integration event a queue message carries, envelope metadata included.
 *
 * The event id is the `eventId` header when it is a valid UUID; otherwise it is derived
 * deterministically from `"<queue>:<message id>"`, so a redelivery of the same message gets
 * the same id. It is never random and never the ordering key (many events share a key).
 *
 * @throws MissingEventTypeError when the message has no type.
 * @throws MissingMessageIdError when there is no usable header and the message id is empty.
 */
export function integrationEventFromQueueMessage<P>(message: QueueMessage<P>): IntegrationEvent<P> {
  if (!message.type) throw new MissingEventTypeError(message.id);
  const headerId = message.headers[Header.EVENT_ID];
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
    occurredAt: message.headers[Header.OCCURRED_AT] ?? new Date(0).toISOString(),
    ...optional('correlationId', message.headers[Header.CORRELATION_ID]),
    ...optional('causationId', message.headers[Header.CAUSATION_ID]),
    ...optional('traceparent', message.headers[Header.TRACEPARENT]),
    ...optional('orderingKey', message.key),
  };
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
