import type { IntegrationEvent } from '../events/types.ts';
import type { OutboxItem, TransactItems, TransactWriter } from '../ports.ts';
import { MAX_MESSAGE_BYTES, messageBytes } from '../queue/types.ts';
import type { OutboxSpec, StageOptions } from './defineOutbox.ts';
import {
  documentItemBytes,
  MAX_ITEM_BYTES,
  MAX_TRANSACT_ITEMS,
  MAX_TRANSACTION_BYTES,
  transactItemBytes,
} from './itemSize.ts';
import { MessageCharacterError, TransactionLimit, TransactionLimitError } from './limitErrors.ts';
import { refusedCharacterIn } from './messageCharacters.ts';
import { toOutboxItem } from './outboxItem.ts';
import type { EventTypeOf, PayloadInput, PayloadOutput, PayloadSchemas } from './payloadSchemas.ts';
import { toOutgoingMessage } from './relayEvents.ts';

/**
 * Options of `outboxTransactItem`. With an outbox that has a schema per event type,
 * `eventType` is one of its types and `payload` that type's schema input.
 */
export interface OutboxTransactItemOptions<
  S extends PayloadSchemas,
  T extends EventTypeOf<S> = EventTypeOf<S>,
> {
  /**
   * The table the outbox item goes to: a dedicated outbox table, or the one table that also
   * holds the caller's items. The caller's items name their own tables; one transaction may
   * span both (see docs/table-layout.md).
   */
  readonly tableName: string;
  readonly outbox: OutboxSpec<S>;
  readonly eventType: T;
  readonly payload: PayloadInput<S, T>;
  /** Envelope metadata and an explicit event id. */
  readonly stage?: StageOptions;
  /** How long the outbox item lives if the relay never deletes it. @default 14 days */
  readonly retentionSeconds?: number;
}

/** The outbox half of a transaction: the action to append, and the event it stores. */
export interface OutboxEntry<P = unknown> {
  /** A `Put` of the outbox item, for the caller's `TransactItems`. */
  readonly item: TransactItems[number];
  /** The staged event; its `eventId` is what downstream deduplicates on. */
  readonly event: IntegrationEvent<P>;
  /** The outbox item the `Put` writes. */
  readonly outboxItem: OutboxItem;
}

/**
 * Stages an event and returns the `TransactWriteItems` action that stores it in the outbox,
 * for a service to append to the items of its own transaction: the event is committed if
 * and only if the business items are.
 *
 * @throws PayloadValidationError when the payload fails the outbox's schema.
 * @throws UnknownEventTypeError when the outbox has a schema per event type but none for
 *   `eventType`.
 * @throws TransactionLimitError (`itemBytes`) when the outbox item is over 400 KB, or
 *   (`messageBytes`) when the message the relay would send is over SQS's 1 MiB.
 * @throws MessageCharacterError when that message would hold a character SQS refuses,
 *   naming the field and the code point.
 *
 * @example
 * const outbox = outboxTransactItem({ tableName, outbox: usersOutbox,
 *   eventType: USER_REGISTERED, payload: { userId, email } });
 * await client.send(new TransactWriteCommand({ TransactItems: [...myItems, outbox.item] }));
 */
export function outboxTransactItem<S extends PayloadSchemas, T extends EventTypeOf<S>>(
  options: OutboxTransactItemOptions<S, T>,
): OutboxEntry<PayloadOutput<S, T>> {
  if (!options.tableName) throw new TypeError('tableName must not be empty');
  const { outbox } = options;
  const event = outbox.stage(options.eventType, options.payload, options.stage);
  const outboxItem = toOutboxItem(event, outbox, options.retentionSeconds);

  const itemBytes = documentItemBytes(outboxItem as unknown as Record<string, unknown>);
  if (itemBytes > MAX_ITEM_BYTES) {
    throw new TransactionLimitError(
      TransactionLimit.ITEM_BYTES,
      itemBytes,
      MAX_ITEM_BYTES,
      `outbox item of event ${event.eventId}`,
    );
  }
  // Checked here, not in the relay: once committed, an event SQS refuses (too large, or
  // holding a character it refuses) could only end on the relay's dead-letter queue. Built as
  // for a standard queue: the FIFO group and deduplication ids count toward neither check.
  const message = toOutgoingMessage({ event, outbox: outbox.name }, false);
  const sqsBytes = messageBytes(message);
  if (sqsBytes > MAX_MESSAGE_BYTES) {
    throw new TransactionLimitError(
      TransactionLimit.MESSAGE_BYTES,
      sqsBytes,
      MAX_MESSAGE_BYTES,
      `relayed message of event ${event.eventId}`,
    );
  }
  const refused = refusedCharacterIn(message);
  if (refused) {
    throw new MessageCharacterError(
      refused.path,
      refused.codePoint,
      refused.index,
      `relayed message of event ${event.eventId}`,
    );
  }

  return {
    item: {
      Put: {
        TableName: options.tableName,
        Item: { ...outboxItem },
        // Event ids are unique, so this only fails if the same event is committed twice;
        // it keeps a replayed request from overwriting an outbox item the relay has read.
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    event,
    outboxItem,
  };
}

/**
 * Checks a transaction against DynamoDB's limits before it is sent: at most 100 actions,
 * each `Put` item at most 400 KB, and at most 4 MB in all (sizes are upper-bound estimates).
 *
 * @throws TransactionLimitError naming the limit, the size found and the maximum.
 */
export function validateTransactItems(items: TransactItems): void {
  if (items.length > MAX_TRANSACT_ITEMS) {
    throw new TransactionLimitError(
      TransactionLimit.ITEMS,
      items.length,
      MAX_TRANSACT_ITEMS,
      'transaction',
    );
  }
  let total = 0;
  items.forEach((action, index) => {
    const bytes = transactItemBytes(action);
    if (action.Put && bytes > MAX_ITEM_BYTES) {
      throw new TransactionLimitError(
        TransactionLimit.ITEM_BYTES,
        bytes,
        MAX_ITEM_BYTES,
        `item ${index}`,
      );
    }
    total += bytes;
  });
  if (total > MAX_TRANSACTION_BYTES) {
    throw new TransactionLimitError(
      TransactionLimit.TRANSACTION_BYTES,
      total,
      MAX_TRANSACTION_BYTES,
      'transaction',
    );
  }
}

/** Options of `transactWriteWithOutbox`. */
export interface TransactWriteWithOutboxOptions {
  /**
   * Makes the transaction idempotent for 10 minutes: a retry with the same token and items
   * succeeds without applying them again (1 to 36 characters).
   */
  readonly clientRequestToken?: string;
}

/**
 * Writes the caller's items and the outbox item in one transaction, `[...items, outbox]`,
 * after checking DynamoDB's limits, and returns the committed event.
 *
 * @throws TransactionLimitError before any call when a limit would be broken.
 * @throws TransactionCanceledError when a condition failed; nothing was written.
 *
 * @example
 * const event = await transactWriteWithOutbox(writer, [orderPut], outboxTransactItem({ ... }));
 */
export async function transactWriteWithOutbox<P>(
  writer: TransactWriter,
  items: TransactItems,
  outbox: OutboxEntry<P>,
  options: TransactWriteWithOutboxOptions = {},
): Promise<IntegrationEvent<P>> {
  const all: TransactItems = [...items, outbox.item];
  validateTransactItems(all);
  await writer.transactWrite(
    all,
    options.clientRequestToken ? { clientRequestToken: options.clientRequestToken } : undefined,
  );
  return outbox.event;
}
