import { describeError, isPermanentError } from '../errors.ts';
import { toCloudEvent } from '../events/envelope.ts';
import { headersForEvent } from '../events/integrationEventFromQueueMessage.ts';
import type { OutgoingMessage, QueueSender } from '../ports.ts';
import { MAX_BATCH_ENTRIES, MAX_MESSAGE_BYTES, messageBytes } from '../queue/types.ts';
import type { StoredEvent } from './outboxItem.ts';

/** Options of `relayEvents`. */
export interface RelayEventsOptions {
  /**
   * Attempts per message within one call, the first included; entries the queue refuses
   * with a server-side fault (or whole-batch errors) are retried with exponential backoff.
   * @default 3
   */
  readonly maxAttempts?: number;
  /** @default 50 */
  readonly baseDelayMs?: number;
  /** Injected for tests. @default setTimeout-based */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/** One event the queue did not take. */
export interface RelayFailure {
  readonly eventId: string;
  readonly reason: string;
  /** True when retrying cannot help (message too large, refused as malformed). */
  readonly permanent: boolean;
}

/** Which events reached the queue and which did not. */
export interface RelayReport {
  readonly sent: readonly string[];
  readonly failed: readonly RelayFailure[];
}

/**
 * The source attribute of Tidings' CloudEvents: `tidings/<outbox name>`, a URI reference as
 * CloudEvents requires. A `defineOutbox` name goes in as it is; an item written without the
 * helper may name any outbox, so outside that set every byte but the unreserved ones is
 * percent-encoded (`billing events` -> `tidings/billing%20events`).
 */
export function cloudEventSource(outbox: string): string {
  return `tidings/${URI_SAFE_NAME.test(outbox) ? outbox : percentEncode(outbox)}`;
}

const URI_SAFE_NAME = /^[A-Za-z0-9._-]+$/;

/** RFC 3986 percent-encoding of the UTF-8 bytes, unreserved characters left as they are. */
function percentEncode(text: string): string {
  let encoded = '';
  // Buffer.from writes a lone surrogate as U+FFFD, where encodeURIComponent would throw.
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    encoded += /[A-Za-z0-9._~-]/.test(char)
      ? char
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/**
 * The queue message for an event: the CloudEvents envelope as the body, the event id and
 * type (and metadata) as attributes, and on FIFO queues the ordering key (or the event id)
 * as the group and the event id as the deduplication id.
 */
export function toOutgoingMessage(stored: StoredEvent, fifo: boolean): OutgoingMessage {
  const { event } = stored;
  return {
    id: event.eventId,
    body: JSON.stringify(toCloudEvent(event, cloudEventSource(stored.outbox))),
    attributes: headersForEvent(event),
    ...(fifo
      ? { groupId: event.orderingKey ?? event.eventId, deduplicationId: event.eventId }
      : {}),
  };
}

/** Splits messages into batches of at most 10 entries and at most 1 MiB each. */
export function chunkMessages(messages: readonly OutgoingMessage[]): OutgoingMessage[][] {
  return chunkBySize(messages, messageBytes);
}

/** `chunkMessages` with each message's byte size from `sizeOf`. */
function chunkBySize(
  messages: readonly OutgoingMessage[],
  sizeOf: (message: OutgoingMessage) => number,
): OutgoingMessage[][] {
  const chunks: OutgoingMessage[][] = [];
  let current: OutgoingMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = sizeOf(message);
    if (
      current.length === MAX_BATCH_ENTRIES ||
      (current.length > 0 && bytes + size > MAX_MESSAGE_BYTES)
    ) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Sends events to a queue in as few `SendMessageBatch` calls as the limits allow, retrying
 * entries that failed for a server-side reason. Never reports an event as sent unless the
 * queue accepted it. Duplicate event ids in the input are sent once.
 */
export async function relayEvents(
  events: readonly StoredEvent[],
  queue: QueueSender,
  options: RelayEventsOptions = {},
): Promise<RelayReport> {
  const maxAttempts = options.maxAttempts ?? 3;
  const baseDelayMs = options.baseDelayMs ?? 50;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;

  const sent: string[] = [];
  const failed: RelayFailure[] = [];
  const unique = new Map<string, OutgoingMessage>();
  // Measured once here and reused for every chunking, retries included: the byte count
  // walks the whole body, and was done twice per message.
  const sizes = new Map<OutgoingMessage, number>();
  const sizeOf = (message: OutgoingMessage) => sizes.get(message) ?? messageBytes(message);
  for (const stored of events) {
    if (unique.has(stored.event.eventId)) continue;
    const message = toOutgoingMessage(stored, queue.fifo);
    const size = messageBytes(message);
    if (size > MAX_MESSAGE_BYTES) {
      failed.push({
        eventId: stored.event.eventId,
        reason: `message is ${size} bytes, over the SQS limit of ${MAX_MESSAGE_BYTES}`,
        permanent: true,
      });
      continue;
    }
    unique.set(stored.event.eventId, message);
    sizes.set(message, size);
  }

  let pending = [...unique.values()];
  const lastError = new Map<string, string>();
  for (let attempt = 1; attempt <= maxAttempts && pending.length > 0; attempt++) {
    if (attempt > 1) {
      // Full jitter keeps many relays that failed together from retrying in lockstep.
      await sleep(Math.round(random() * baseDelayMs * 2 ** (attempt - 2)));
    }
    const retry: OutgoingMessage[] = [];
    for (const chunk of chunkBySize(pending, sizeOf)) {
      try {
        const result = await queue.sendBatch(chunk);
        for (const ok of result.successful) sent.push(ok.id);
        for (const bad of result.failed) {
          const reason = `${bad.code}${bad.message ? `: ${bad.message}` : ''}`;
          if (bad.senderFault) {
            failed.push({ eventId: bad.id, reason, permanent: true });
          } else {
            lastError.set(bad.id, reason);
            const message = chunk.find((m) => m.id === bad.id);
            if (message) retry.push(message);
          }
        }
      } catch (error) {
        if (isPermanentError(error)) {
          for (const m of chunk)
            failed.push({ eventId: m.id, reason: describeError(error), permanent: true });
        } else {
          for (const m of chunk) lastError.set(m.id, describeError(error));
          retry.push(...chunk);
        }
      }
    }
    pending = retry;
  }
  for (const m of pending) {
    failed.push({
      eventId: m.id,
      reason: `not accepted after ${maxAttempts} attempts: ${lastError.get(m.id) ?? 'unknown'}`,
      permanent: false,
    });
  }
  return { sent, failed };
}
