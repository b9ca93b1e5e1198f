import type { OutgoingMessage } from '../ports.ts';

// Re-exported only while `aws/sqsConsumer.ts` and `consumer.ts` import it from here.
export type { VisibilityChanger } from '../ports.ts';

// Defined with SQS's other limits; named here too, beside the message types they bound.
export { MAX_BATCH_ENTRIES, MAX_MESSAGE_BYTES } from './sqsLimits.ts';

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
