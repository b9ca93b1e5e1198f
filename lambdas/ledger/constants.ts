import { LEDGER_TABLE_DEFINITION } from '../outbox/tableDefinition.ts';

/**
 * How long ledger records live by default: 7 days. A record must outlive every redelivery
 * of its message, or a late redelivery finds no record and sends again. SQS keeps a message
 * 4 days by default (14 at most) and a dead-letter queue is redriven by hand some time after
 * an alert; 7 days covers the default retention plus a few days to redrive. Raise it if your
 * queues keep messages longer or you redrive later. Storage is the only cost of a longer TTL.
 */
export const DEFAULT_LEDGER_TTL_SECONDS = 7 * 24 * 60 * 60;

/** Attribute names of a ledger item in DynamoDB; the key and TTL come from the table's definition. */
export const LedgerAttribute = {
  KEY: LEDGER_TABLE_DEFINITION.partitionKey.name,
  STATUS: 'status',
  OWNER: 'owner',
  LEASE_UNTIL: 'leaseUntil',
  CLAIMED_AT: 'claimedAt',
  COMPLETED_AT: 'completedAt',
  PROVIDER_MESSAGE_ID: 'providerMessageId',
  EXPIRES_AT: LEDGER_TABLE_DEFINITION.timeToLiveAttribute,
} as const;

/** DynamoDB's limit on a string partition key, in UTF-8 bytes. */
export const MAX_NOTIFICATION_ID_BYTES = 2048;
