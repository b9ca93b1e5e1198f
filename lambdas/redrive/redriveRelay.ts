import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { sdkErrorCode } from '../aws/relayErrors.ts';
import { describeError } from '../errors.ts';
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
  /** The item is still in the table, so nothing was written; the sweeper relays it. Letter deleted. */
  | 'already-in-table'
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
  'covered-by-sweeper',
  'not-restageable',
  'failed',
];

/**
 * Redrives the relay's dead-letter queue by re-staging, since its letters are not queue
 * messages to move back:
 * - a letter holding an outbox item (from the relay's stream record, or from the sweeper) is
 *   written back with `PutItem` on `attribute_not_exists(pk)`, so an item still in the table
 *   is never overwritten; its INSERT goes through the stream and the relay again, and the
 *   consumer's ledger absorbs any duplicate. The letter is then deleted;
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
      if (letter.kind === 'lambda-on-failure') {
        entry(
          'covered-by-sweeper',
          "Lambda on-failure record: the batch's outbox items are still in the table (the relay deletes an item only once relayed), so the sweeper relays them; left on the queue",
        );
        continue;
      }
      if (letter.kind === 'image-omitted') {
        entry(
          'not-restageable',
          `the letter holds only the key ${letter.pk ?? '?'} (${letter.note}); the relay keeps such items in the table, so the sweeper finds them; left on the queue`,
        );
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
            // The item may still be there (its delete failed, or it was never removed): then it
            // is pending already, and writing the letter's copy over it could only lose changes.
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
        action = 'already-in-table';
      }
      try {
        await options.sqs.send(
          new DeleteMessageCommand({
            QueueUrl: options.queueUrl,
            ReceiptHandle: message.receiptHandle,
          }),
        );
        deleted.add(message.messageId);
      } catch (error) {
        entry(
          'failed',
          `${letter.pk} is in the table, but deleting the letter failed: ${describeError(error)}`,
        );
        continue;
      }
      entry(
        action,
        action === 'restaged'
          ? `put ${letter.pk} back in ${options.tableName}: the stream relays it again${restageHint(listing)}`
          : `${letter.pk} is still in ${options.tableName}, left untouched: the sweeper relays it`,
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
