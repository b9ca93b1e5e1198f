import { OutboxError } from './errors.ts';
import { codePointName } from './messageCharacters.ts';

/** The AWS limit a transaction or outbox item broke. */
export const TransactionLimit = {
  /** More than 100 actions in one `TransactWriteItems`. */
  ITEMS: 'items',
  /** The items of one transaction add up to more than 4 MB. */
  TRANSACTION_BYTES: 'transactionBytes',
  /** One item is over DynamoDB's 400 KB. */
  ITEM_BYTES: 'itemBytes',
  /** The message the relay would send for the event is over SQS's 1 MiB. */
  MESSAGE_BYTES: 'messageBytes',
} as const;

/** The AWS limit a transaction or outbox item broke. */
export type TransactionLimit = (typeof TransactionLimit)[keyof typeof TransactionLimit];

const UNIT: Record<TransactionLimit, string> = {
  items: 'items',
  transactionBytes: 'bytes',
  itemBytes: 'bytes',
  messageBytes: 'bytes',
};

const SERVICE_LIMIT: Record<TransactionLimit, string> = {
  items: "DynamoDB's limit of actions per transaction",
  transactionBytes: "DynamoDB's limit for a transaction (4 MB)",
  itemBytes: "DynamoDB's item limit (400 KB)",
  messageBytes: "SQS's message limit (1 MiB)",
};

/**
 * A transaction or an outbox event would break an AWS limit, found before any call was made:
 * nothing was written. Permanent: the same items break the same limit every time.
 *
 * @example
 * catch (error) {
 *   if (error instanceof TransactionLimitError && error.limit === 'itemBytes') shrink(error.actual);
 * }
 */
export class TransactionLimitError extends OutboxError {
  readonly permanent = true;

  constructor(
    readonly limit: TransactionLimit,
    /** The size found: a count for `items`, bytes (an upper-bound estimate) otherwise. */
    readonly actual: number,
    /** The limit. */
    readonly max: number,
    /** What broke it: `transaction`, `item 3`, `outbox item of event <id>`. */
    readonly subject: string,
  ) {
    super(
      `${limit}: ${subject} is ${actual} ${UNIT[limit]}, over ${SERVICE_LIMIT[limit]}: ${max} ${UNIT[limit]}`,
    );
  }
}

/**
 * The message the relay would send for an event holds a character SQS refuses in a message
 * (U+FFFE or U+FFFF anywhere; a control character or a lone surrogate in a value sent as a
 * message attribute, such as `eventType` or `correlationId`), found before any write: nothing
 * was written. Permanent: committed, the event could only end on the relay's dead-letter queue.
 *
 * @example
 * catch (error) {
 *   if (error instanceof MessageCharacterError) return badRequest(error.path, error.message);
 * }
 */
export class MessageCharacterError extends OutboxError {
  readonly permanent = true;

  constructor(
    /** The event field holding the character: `payload.name`, `eventType`, `correlationId`. */
    readonly path: string,
    /** The refused code point, e.g. 0xFFFE. */
    readonly codePoint: number,
    /** Its UTF-16 index in the field's string. */
    readonly index: number,
    /** What would carry it: `relayed message of event <id>`. */
    readonly subject: string,
  ) {
    super(
      `${path} holds ${codePointName(codePoint)} at index ${index}, which SQS refuses in a message: ${subject}`,
    );
  }
}
