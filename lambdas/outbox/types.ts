import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { OutboxItem } from './outboxItem.ts';

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

/** Reads outbox items still waiting for the relay, and removes them once relayed. */
export interface PendingOutbox {
  /** Outbox items not yet relayed that occurred at or before `olderThan` (ISO), oldest first. */
  listPending(options: {
    readonly olderThan: string;
    readonly limit: number;
  }): Promise<OutboxItem[]>;
  /** Removes relayed items; removing one that is already gone is not an error. */
  deleteRelayed(eventIds: readonly string[]): Promise<void>;
}
