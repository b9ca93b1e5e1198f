/**
 * The shape of the Tidings table, shared by the CDK construct and the local DynamoDB setup so
 * both create the same table. It holds the outbox items: in a table of their own beside the
 * caller's (the default), or with the caller's items in one table (docs/table-layout.md).
 * Plain data: no CDK or SDK types, so the Lambda bundles and the CDK app can both import it.
 */
export const TABLE_DEFINITION = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  /** TTL attribute, epoch seconds. Outbox items and other expiring items set it. */
  timeToLiveAttribute: 'expiresAt',
  /** The relay needs the item as written; old images are never read. */
  streamViewType: 'NEW_IMAGE',
  /**
   * Sparse index of outbox items not yet relayed: only outbox items carry `pendingShard`, and
   * the relay deletes them once the queue has them (or removes `pendingShard` from an item it
   * dead-lettered but keeps, see `PendingOutbox.setAside`), so the backstop sweeper queries
   * this index instead of scanning the table. Sharded to spread writes.
   */
  pendingIndex: {
    indexName: 'outbox-pending',
    partitionKey: { name: 'pendingShard', type: 'S' },
    sortKey: { name: 'occurredAt', type: 'S' },
    /** Keys only: the sweeper reads the few items it finds with BatchGetItem. */
    projection: 'KEYS_ONLY',
    shards: 8,
  },
} as const;

/** The idempotency ledger: one item per notification, keyed by `<eventId>:<index>`. */
export const LEDGER_TABLE_DEFINITION = {
  partitionKey: { name: 'pk', type: 'S' },
  timeToLiveAttribute: 'expiresAt',
} as const;

/** The value of the `kind` attribute that marks an outbox item. */
export const OUTBOX_ITEM_KIND = 'outbox';

/**
 * The event source mapping filter: only INSERTs of outbox items invoke the relay. The CDK
 * construct installs it and the local stream poller applies the same pattern.
 */
export const OUTBOX_STREAM_FILTER = {
  eventName: ['INSERT'],
  dynamodb: { NewImage: { kind: { S: [OUTBOX_ITEM_KIND] } } },
} as const;
