/**
 * SQS's limits, in one place: the kit checks messages against them before any call, the
 * in-memory queue enforces them as SQS does, and the construct sizes its queues by them.
 */

/** The most entries SQS accepts in one `SendMessageBatch`. */
export const MAX_BATCH_ENTRIES = 10;
/** The most bytes SQS accepts in one message, and in one batch. */
export const MAX_MESSAGE_BYTES = 1_048_576;
/** The most message attributes SQS accepts on one message. */
export const MAX_MESSAGE_ATTRIBUTES = 10;
/** The longest visibility timeout SQS accepts: 12 hours. */
export const MAX_VISIBILITY_TIMEOUT_SECONDS = 43_200;
/** The highest `maxReceiveCount` a redrive policy accepts. */
export const MAX_RECEIVE_COUNT = 1_000;
/** The longest per-message delay SQS accepts: 15 minutes. */
export const MAX_DELAY_SECONDS = 900;

/**
 * A character SQS refuses in a message body or attribute value: SQS takes only XML 1.0's
 * characters, #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF. With the `u`
 * flag a lone surrogate is read as its own code point, which no range holds, so it matches.
 */
export const REFUSED_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

const QUEUE_NAME_BASE = /^[A-Za-z0-9_-]+$/;
const FIFO_SUFFIX = '.fifo';

/**
 * Whether `name` is a queue name SQS accepts: 1 to 80 characters in all, letters, digits,
 * hyphens and underscores, with `.fifo` at the end of a FIFO queue's name (counted in the 80).
 */
export function isSqsQueueName(name: string): boolean {
  if (name.length < 1 || name.length > 80) return false;
  const base = name.endsWith(FIFO_SUFFIX) ? name.slice(0, -FIFO_SUFFIX.length) : name;
  return QUEUE_NAME_BASE.test(base);
}
