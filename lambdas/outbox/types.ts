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
