// The ports of Tidings: what the kit asks of the table, the queue, the ledger, the providers and
// the dead-letter queues, each with an AWS implementation and an in-memory one, and the data
// that crosses them. This file imports nothing of the kit, so every folder can depend on it
// and no two folders need each other for their types.

import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';

// The table: producers write, the relay and the sweeper read what is pending.

/** The items of one transaction, in the DynamoDB document client's shape. */
export type TransactItems = NonNullable<TransactWriteCommandInput['TransactItems']>;

/**
 * Writes items atomically: all or none. On DynamoDB this is `TransactWriteItems`; in memory it
 * is `MemoryOutboxStore`. Producers are written once against this interface.
 */
export interface TransactWriter {
  /**
   * @throws TransactionCanceledError when a condition failed; nothing was written and
   *   `reasons` lines up with `items`.
   */
  transactWrite(
    items: TransactItems,
    options?: { readonly clientRequestToken?: string },
  ): Promise<void>;
}

/** An outbox item as stored in the table (the DynamoDB document form, before marshalling). */
export interface OutboxItem {
  readonly pk: string;
  readonly sk: string;
  /** `OUTBOX_ITEM_KIND`, which tells outbox items from the service's own in a shared table. */
  readonly kind: 'outbox';
  readonly outbox: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly occurredAt: string;
  readonly payload: unknown;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly orderingKey?: string;
  readonly traceparent?: string;
  /**
   * Present while the item waits for the relay: the sparse pending index's partition key.
   * Removed when a dead-lettered item is kept in the table (`PendingOutbox.setAside`).
   */
  readonly pendingShard: string;
  /** TTL, epoch seconds. */
  readonly expiresAt: number;
}

/** The table key of an outbox item. */
export interface OutboxItemKey {
  readonly pk: string;
  readonly sk: string;
}

/** Reads outbox items still waiting for the relay, and removes them once relayed. */
export interface PendingOutbox {
  /** Outbox items not yet relayed that occurred at or before `olderThan` (ISO), oldest first. */
  listPending(options: {
    readonly olderThan: string;
    readonly limit: number;
  }): Promise<OutboxItem[]>;
  /** Removes relayed items; removing one that is already gone is not an error. */
  deleteRelayed(eventIds: readonly string[]): Promise<void>;
  /**
   * Sets items aside: takes them out of the pending index (removes `pendingShard`) and keeps
   * them in the table until their TTL. For dead-lettered items that may not be deleted, because
   * their letter could not hold them whole or their key is not their event's: set aside, no
   * later `listPending` offers them again, so they are dead-lettered once, and the table still
   * holds them for a redrive. By table key, since such an item may not be where its event id
   * points. An item already gone is not an error.
   */
  setAside(keys: readonly OutboxItemKey[]): Promise<void>;
}

// The queue: the relay sends, the consumer backs off.

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

/**
 * Changes how long a received message stays invisible, as SQS `ChangeMessageVisibility` does.
 * A consumer uses it for retry backoff: it sets the failed message's visibility to the
 * backoff delay, then reports the message as a batch item failure. On AWS an SQS client
 * implements it; locally `MemoryQueue.visibilityChanger()` does.
 */
export interface VisibilityChanger {
  changeVisibility(receiptHandle: string, seconds: number): Promise<void>;
}

// The providers: what a consumer sends.

/** An email, sent with SES v2 on AWS. */
export interface EmailNotification {
  readonly kind: 'email';
  /** One address, or several. */
  readonly to: string | readonly string[];
  readonly subject: string;
  /** Plain-text body. */
  readonly body: string;
  /** Optional HTML body, sent alongside the text one. */
  readonly html?: string;
  readonly cc?: readonly string[];
  readonly replyTo?: string;
}

/** A mobile push, sent with SNS `Publish` to a platform endpoint on AWS. */
export interface PushNotification {
  readonly kind: 'push';
  /** The SNS platform endpoint ARN (`arn:aws:sns:...:endpoint/...`) of the device. */
  readonly deviceToken: string;
  readonly title: string;
  readonly body: string;
  /** Extra key/values delivered to the app with the push. */
  readonly data?: Readonly<Record<string, string>>;
}

/** An HTTPS POST of a JSON payload, signed per the Standard Webhooks spec. */
export interface WebhookNotification {
  readonly kind: 'webhook';
  readonly url: string;
  readonly payload: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Context a sender gets with each notification: the event it came from and a stable
 * idempotency key for this one notification (the same on every redelivery), which the
 * webhook sender uses as `webhook-id` and the email sender as a message tag.
 */
export interface SendContext {
  readonly eventId: string;
  readonly eventType: string;
  /** Stable per notification: `<eventId>:<index>`. */
  readonly notificationId: string;
}

/** What a sender reports back: the provider's id for the sent message, where there is one. */
export interface SendResult {
  readonly providerMessageId?: string;
}

/**
 * The channels a consumer sends through. Shipped implementations: SES v2 email, SNS push,
 * HTTPS webhooks and `RecordingSenders` for tests and local runs; any object with these three
 * methods works.
 */
export interface NotificationSenders {
  sendEmail(notification: EmailNotification, context: SendContext): Promise<SendResult>;
  sendPush(notification: PushNotification, context: SendContext): Promise<SendResult>;
  sendWebhook(notification: WebhookNotification, context: SendContext): Promise<SendResult>;
}

// The ledger: a consumer claims each notification before sending it.

/** What a ledger says when a notification is claimed before sending. */
export type ClaimOutcome =
  /** This caller holds the lease now: send, then `complete`. */
  | 'claimed'
  /** Sent before (a redelivery): skip it. */
  | 'completed'
  /** Another worker holds an unexpired lease: try again later. */
  | 'in-progress';

/**
 * How a claim was answered. When another worker holds the notification, `leaseUntil` says
 * when its lease ends (epoch ms), so the caller can retry once it has, not before
 * (`NotificationInProgressError` carries the time left).
 */
export type ClaimAnswer =
  | { readonly outcome: 'claimed' | 'completed' }
  | { readonly outcome: 'in-progress'; readonly leaseUntil?: number };

/**
 * The idempotency ledger a consumer claims each notification in before sending it, so a
 * redelivered message re-sends only the notifications that did not complete.
 */
export interface NotificationLedger {
  /**
   * Claims `notificationId` with a lease that expires at `leaseUntil` (epoch ms). When another
   * worker holds it, the answer says when that worker's lease ends, if the ledger knows.
   */
  claim(notificationId: string, leaseUntil: number): Promise<ClaimAnswer>;
  /** Marks a claimed notification sent. */
  complete(notificationId: string, result: SendResult): Promise<void>;
  /** Gives a claim back after a failed send, so a retry can claim it at once. */
  release(notificationId: string): Promise<void>;
}

// The dead-letter queues: where the relay and the consumer put what can never succeed.

/** Why a record is dead-lettered, and where it came from. */
export interface DeadLetterInfo {
  /** One line: what was wrong, with the bad value. */
  readonly reason: string;
  /** The error's class name or SDK code. */
  readonly errorName: string;
  readonly eventId?: string;
  readonly receiveCount?: number;
  /** The queue the record was consumed from. */
  readonly queue?: string;
  readonly sequenceNumber?: string;
}

/** What a dead-letter sink says about a letter it stored. */
export interface DeadLetterReceipt {
  /**
   * False when the letter had to leave part of the record out to fit the size limit: the
   * record's source then holds the only whole copy, which must be kept.
   */
  readonly complete: boolean;
}

/**
 * Where records go that can never succeed, with the reason. On AWS an SQS queue
 * (`sqsRecordDeadLetters`, `streamRecordDeadLetters`, `outboxItemDeadLetters` over an
 * `SqsQueueSender`); locally a `MemoryQueue` through the same.
 */
export interface DeadLetterSink<R> {
  /**
   * Stores `record` with `info`; resolves only once the dead-letter queue has it, with a
   * receipt saying whether the letter holds the whole record.
   * @throws when it could not be stored: the caller must then keep the record for a retry.
   */
  deadLetter(record: R, info: DeadLetterInfo): Promise<DeadLetterReceipt>;
}
