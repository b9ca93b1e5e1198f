import type { OutgoingMessage } from '../ports.ts';

// Re-exported only while `aws/sqsConsumer.ts` and `consumer.ts` import it from here.
export type { VisibilityChanger } from '../ports.ts';

/** The most entries SQS accepts in one `SendMessageBatch`. */
export const MAX_BATCH_ENTRIES = 10;
/** The most bytes SQS accepts in one message, and in one batch. */
export const MAX_MESSAGE_BYTES = 1_048_576;

/** Bytes SQS counts for a message: the body plus each attribute's name, type and value. */
export function messageBytes(message: OutgoingMessage): number {
  let bytes = Buffer.byteLength(message.body);
  const attributes = message.attributes;
  if (!attributes) return bytes;
  for (const name of Object.keys(attributes)) {
    bytes +=
      Buffer.byteLength(name) + STRING_TYPE_BYTES + Buffer.byteLength(attributes[name] ?? '');
  }
  return bytes;
}

/** Bytes of the data type every attribute is sent with, `String`. */
const STRING_TYPE_BYTES = Buffer.byteLength('String');
