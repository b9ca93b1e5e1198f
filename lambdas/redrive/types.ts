/** A message received from a dead-letter queue for listing or redriving. */
export interface PeekedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** String (and Number) message attributes: the dead-letter reason ones and the original ones. */
  readonly attributes: Readonly<Record<string, string>>;
  /** SQS system attributes (`ApproximateReceiveCount`, `DeadLetterQueueSourceArn`, ...). */
  readonly systemAttributes: Readonly<Record<string, string>>;
}

/** Who put a message on the dead-letter queue. */
export type DeadLetterOrigin =
  /** The consumer, for a permanent failure, with the reason attributes. */
  | 'consumer'
  /** The relay or the sweeper, for a record or item that can never be relayed. */
  | 'relay'
  /**
   * SQS itself: the source queue's redrive policy, after `maxReceiveCount` receives, the last
   * of which did not finish (the consumer dead-letters what fails on its last receive itself).
   */
  | 'redrive-policy'
  /** Lambda: the stream event source mapping's on-failure destination (metadata only). */
  | 'lambda-on-failure'
  /** None of the above could be told from the message. */
  | 'unknown';

/** One dead-lettered message, as a dry run lists it. */
export interface DeadLetterListing {
  readonly messageId: string;
  readonly eventId?: string;
  readonly eventType?: string;
  readonly origin: DeadLetterOrigin;
  /** Why it was given up on: the `deadLetterReason` attribute, or what the message shows. */
  readonly reason: string;
  /** The `deadLetterError` attribute: the error class or SDK code. */
  readonly errorName?: string;
  /**
   * Deliveries before it was dead-lettered (the consumer's `receiveCount` attribute), else
   * SQS's `ApproximateReceiveCount` (which counts this peek too).
   */
  readonly receiveCount?: number;
  /** The queue the consumer read it from (`sourceQueue` attribute) or the redrive policy's source. */
  readonly sourceQueue?: string;
  /** The relay's stream sequence number (`sequenceNumber` attribute). */
  readonly sequenceNumber?: string;
}
