import { type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { sdkErrorCode } from '../aws/relayErrors.ts';
import { describeError } from '../errors.ts';
import { eventIdOfOutboxKey, pendingShardOf } from '../outbox/outboxItem.ts';
import { TABLE_DEFINITION } from '../outbox/tableDefinition.ts';
import { describeDeadLetter } from './describeDeadLetter.ts';
import { receiveDeadLetters, releaseMessages } from './peekDeadLetters.ts';
import { parseRelayLetter, type RelayLetter } from './relayLetter.ts';
import type { DeadLetterListing } from './types.ts';

/** What the relay redrive did (or, in a dry run, would do) with one letter. */
export type RelayRedriveAction =
  /** The outbox item was written back; the stream relays it again. The letter was deleted. */
  | 'restaged'
  /** Dry run: the outbox item would be written back. */
  | 'would-restage'
  /** The item is still in the table and pending, so nothing was written; the sweeper relays it. Letter deleted. */
  | 'already-in-table'
  /**
   * The item was kept in the table, set aside (out of the pending index), when it was
   * dead-lettered: it was put back in the index, and the sweeper relays it. Letter deleted.
   */
  | 'returned-to-pending'
  /** Dry run: a set-aside item would be put back in the pending index. */
  | 'would-return-to-pending'
  /** A Lambda on-failure record: its items are still in the table and the sweeper relays them. Left as is. */
  | 'covered-by-sweeper'
  /** The letter holds no item to write back. Left as is. */
  | 'not-restageable'
  /** Writing the item (or deleting the letter) failed. Left as is. */
  | 'failed';

/** One letter of the relay DLQ and what became of it. */
export interface RelayRedriveEntry {
  readonly listing: DeadLetterListing;
  readonly letter: RelayLetter['kind'];
  readonly action: RelayRedriveAction;
  /** One line: what was done and why. */
  readonly detail: string;
}

/** The outcome of `redriveRelayDeadLetters`. */
export interface RelayRedriveReport {
  readonly queueUrl: string;
  readonly tableName: string;
  readonly dryRun: boolean;
  readonly entries: readonly RelayRedriveEntry[];
  /** How many entries took each action. */
  readonly counts: Readonly<Record<RelayRedriveAction, number>>;
}

/** Options of `redriveRelayDeadLetters`. */
export interface RelayRedriveOptions {
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  /** The relay's dead-letter queue. */
  readonly queueUrl: string;
  /** The Tidings table the outbox items go back to. */
  readonly tableName: string;
  /** Only say what would happen. */
  readonly dryRun: boolean;
  /** The most letters to handle. */
  readonly max: number;
  /** Seconds letters stay hidden while handled. @default 60 */
  readonly visibilityTimeoutSeconds?: number;
  /** Long polling per receive. @default 1 */
  readonly waitTimeSeconds?: number;
}

/** Errors a re-staged item would meet again unless their cause was fixed first. */
const COMES_BACK: ReadonlySet<string> = new Set([
  'CorruptOutboxItemError',
  'PayloadValidationError',
  'MessageRefused',
  'UnrelayableOutboxItem',
]);

function restageHint(listing: DeadLetterListing): string {
  return listing.errorName && COMES_BACK.has(listing.errorName)
    ? ` (it failed with ${listing.errorName}: unless that is fixed, e.g. a schema or limit changed, it returns here)`
    : '';
}

const ACTIONS: readonly RelayRedriveAction[] = [
  'restaged',
  'would-restage',
  'already-in-table',
  'returned-to-pending',
  'would-return-to-pending',
  'covered-by-sweeper',
  'not-restageable',
  'failed',
];

type PendingReturn = 'returned' | 'not-set-aside';

/**
 * Puts a set-aside outbox item back in the pending index (`SET pendingShard`), on the
 * condition that it is in the table and out of the index: so nothing is created, and an item
 * that is pending already is left as it is.
 * @throws what DynamoDB throws, but for the failed condition, which is `not-set-aside`.
 */
async function returnToPending(
  options: RelayRedriveOptions,
  key: { pk: string; sk: string },
): Promise<PendingReturn> {
  const shard = TABLE_DEFINITION.pendingIndex.partitionKey.name;
  try {
    await options.dynamodb.send(
      new UpdateItemCommand({
        TableName: options.tableName,
        Key: { pk: { S: key.pk }, sk: { S: key.sk } },
        UpdateExpression: 'SET #shard = :shard',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#shard)',
        ExpressionAttributeNames: { '#shard': shard },
        ExpressionAttributeValues: {
          ':shard': { S: pendingShardOf(eventIdOfOutboxKey(key.pk)) },
        },
      }),
    );
    return 'returned';
  } catch (error) {
    if (sdkErrorCode(error) === 'ConditionalCheckFailedException') return 'not-set-aside';
    throw error;
  }
}

/**
 * Redrives the relay's dead-letter queue by re-staging, since its letters are not queue
 * messages to move back:
 * - a letter holding an outbox item (from the relay's stream record, or from the sweeper) is
 *   written back with `PutItem` on `attribute_not_exists(pk)`, so an item still in the table
 *   is never overwritten; its INSERT goes through the stream and the relay again, and the
 *   consumer's ledger absorbs any duplicate. An item still in the table but set aside (kept
 *   when it was dead-lettered) is put back in the pending index instead, for the sweeper.
 *   The letter is then deleted;
 * - a letter that had to leave the item out (too large) names its key: the item was kept in
 *   the table, set aside, so it is put back in the pending index (fix it first, or it comes
 *   back) and the letter deleted; if it is not there set aside, the letter is left;
 * - a Lambda on-failure record (shard and sequence range, no records) is left as it is: the
 *   relay deletes outbox items only once relayed, so those items are still in the table and
 *   the sweeper relays them;
 * - anything else is left, with why.
 * Letters not deleted are made visible again. With `dryRun`, nothing is written or deleted.
 *
 * @throws RedriveRequestError when receiving from the queue fails; a failed `PutItem` or
 *   `DeleteMessage` is reported on its entry (`failed`) and the rest go on.
 */
export async function redriveRelayDeadLetters(
  options: RelayRedriveOptions,
): Promise<RelayRedriveReport> {
  const messages = await receiveDeadLetters({
    client: options.sqs,
    queueUrl: options.queueUrl,
    max: options.max,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 60,
    ...(options.waitTimeSeconds !== undefined ? { waitTimeSeconds: options.waitTimeSeconds } : {}),
  });
  const entries: RelayRedriveEntry[] = [];
  const deleted = new Set<string>();
  try {
    for (const message of messages) {
      const listing = describeDeadLetter(message);
      const letter = parseRelayLetter(message.body);
      const entry = (action: RelayRedriveAction, detail: string) =>
        entries.push({ listing, letter: letter.kind, action, detail });
      /** Deletes the letter of an item now back in the table's hands; false (and said) if not. */
      const deleteLetter = async (
        received: (typeof messages)[number],
        pk: string,
      ): Promise<boolean> => {
        try {
          await options.sqs.send(
            new DeleteMessageCommand({
              QueueUrl: options.queueUrl,
              ReceiptHandle: received.receiptHandle,
            }),
          );
          deleted.add(received.messageId);
          return true;
        } catch (error) {
          entry(
            'failed',
            `${pk} is in the table, but deleting the letter failed: ${describeError(error)}`,
          );
          return false;
        }
      };
      if (letter.kind === 'lambda-on-failure') {
        entry(
          'covered-by-sweeper',
          "Lambda on-failure record: the batch's outbox items are still in the table (the relay deletes an item only once relayed), so the sweeper relays them; left on the queue",
        );
        continue;
      }
      if (letter.kind === 'image-omitted') {
        const { pk, sk } = letter;
        if (pk === undefined || sk === undefined) {
          entry(
            'not-restageable',
            `the letter holds no item and no key (${letter.note}); left on the queue`,
          );
          continue;
        }
        if (options.dryRun) {
          entry(
            'would-return-to-pending',
            `the letter holds only the key ${pk} (${letter.note}); would put the item kept in ${options.tableName} back in the pending index${restageHint(listing)}`,
          );
          continue;
        }
        let returned: PendingReturn;
        try {
          returned = await returnToPending(options, { pk, sk });
        } catch (error) {
          entry(
            'failed',
            `UpdateItem of ${pk} in ${options.tableName} failed: ${describeError(error)}; left on the queue`,
          );
          continue;
        }
        if (returned === 'not-set-aside') {
          entry(
            'not-restageable',
            `the letter holds only the key ${pk} (${letter.note}), and ${options.tableName} holds no set-aside item under it (gone after its TTL, or pending again); left on the queue`,
          );
          continue;
        }
        if (await deleteLetter(message, pk)) {
          entry(
            'returned-to-pending',
            `put ${pk}, kept in ${options.tableName}, back in the pending index: the sweeper relays it${restageHint(listing)}`,
          );
        }
        continue;
      }
      if (letter.kind === 'unrecognised') {
        entry('not-restageable', `${letter.reason}; left on the queue`);
        continue;
      }
      if (options.dryRun) {
        entry(
          'would-restage',
          `would put ${letter.pk} back in ${options.tableName}${restageHint(listing)}`,
        );
        continue;
      }
      let action: RelayRedriveAction;
      try {
        await options.dynamodb.send(
          new PutItemCommand({
            TableName: options.tableName,
            Item: letter.item,
            // The item may still be there (its delete failed, it was never removed, or it was
            // kept set aside): writing the letter's copy over it could only lose changes.
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        action = 'restaged';
      } catch (error) {
        if (sdkErrorCode(error) !== 'ConditionalCheckFailedException') {
          entry(
            'failed',
            `PutItem of ${letter.pk} into ${options.tableName} failed: ${describeError(error)}; left on the queue`,
          );
          continue;
        }
        try {
          const returned = await returnToPending(options, { pk: letter.pk, sk: letter.sk });
          action = returned === 'returned' ? 'returned-to-pending' : 'already-in-table';
        } catch (updateError) {
          entry(
            'failed',
            `${letter.pk} is in ${options.tableName}, but the UpdateItem putting it back in the pending index failed: ${describeError(updateError)}; left on the queue`,
          );
          continue;
        }
      }
      if (!(await deleteLetter(message, letter.pk))) continue;
      entry(
        action,
        action === 'restaged'
          ? `put ${letter.pk} back in ${options.tableName}: the stream relays it again${restageHint(listing)}`
          : action === 'returned-to-pending'
            ? `${letter.pk} was kept in ${options.tableName}, set aside; put back in the pending index: the sweeper relays it${restageHint(listing)}`
            : `${letter.pk} is still in ${options.tableName}, pending, left untouched: the sweeper relays it`,
      );
    }
  } finally {
    await releaseMessages(
      options.sqs,
      options.queueUrl,
      messages.filter((message) => !deleted.has(message.messageId)),
    );
  }
  const counts = Object.fromEntries(ACTIONS.map((action) => [action, 0])) as Record<
    RelayRedriveAction,
    number
  >;
  for (const { action } of entries) counts[action]++;
  return {
    queueUrl: options.queueUrl,
    tableName: options.tableName,
    dryRun: options.dryRun,
    entries,
    counts,
  };
}
