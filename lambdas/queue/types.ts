/**
 * One message to send, in the shape of an SQS `SendMessageBatch` entry. Both the in-memory
 * `MemoryQueue` and the SQS sender accept it, so the relay builds messages once.
 */
export interface OutgoingMessage {
  /** Unique within one batch; reported back in `successful` / `failed`. */
  readonly id: string;
  /** The message body (a CloudEvents JSON envelope, for Tidings events). */
  readonly body: string;
  /** String message attributes (event id and type, for filtering and tracing). */
  readonly attributes?: Readonly<Record<string, string>>;
  /** FIFO only: the message group, which is delivered in order. */
  readonly groupId?: string;
  /** FIFO only: messages with the same id within 5 minutes are delivered once. */
  readonly deduplicationId?: string;
  /** Hold the message back this long before it can be received (0-900). */
  readonly delaySeconds?: number;
}

/** The outcome of a batch send: which entries the queue took and which it refused, and why. */
export interface SendBatchResult {
  readonly successful: readonly { readonly id: string; readonly messageId: string }[];
  readonly failed: readonly {
    readonly id: string;
    readonly code: string;
    readonly message?: string;
    /** True when the entry itself is wrong (retrying it cannot succeed). */
    readonly senderFault: boolean;
  }[];
}

/** Anything that takes batches of up to 10 messages: SQS, or the in-memory queue. */
export interface QueueSender {
  /** True for a FIFO queue: messages then need `groupId` and `deduplicationId`. */
  readonly fifo: boolean;
  sendBatch(messages: readonly OutgoingMessage[]): Promise<SendBatchResult>;
}

// Defined with SQS's other limits; named here too, beside the message types they bound.
export { MAX_BATCH_ENTRIES, MAX_MESSAGE_BYTES } from './sqsLimits.ts';

/**
 * Changes how long a received message stays invisible, as SQS `ChangeMessageVisibility` does.
 * A consumer uses it for retry backoff: it sets the failed message's visibility to the
 * backoff delay, then reports the message as a batch item failure. On AWS an SQS client
 * implements it; locally `MemoryQueue.visibilityChanger()` does.
 */
export interface VisibilityChanger {
  changeVisibility(receiptHandle: string, seconds: number): Promise<void>;
}

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
