import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  type ConsumedCapacity,
  DeleteItemCommand,
  DynamoDBClient,
  type DynamoDBClientConfig,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { Env } from '../constants.ts';
import type { Clock } from '../events/ids.ts';
import type { ClaimAnswer, ClaimOutcome, SendResult } from '../ports.ts';
import { classifyDynamoDbError } from './classifyDynamoDbError.ts';
import { LedgerAttribute as A, DEFAULT_LEDGER_TTL_SECONDS } from './constants.ts';
import {
  ClaimLostError,
  ClaimNotHeldError,
  CorruptLedgerRecordError,
  LedgerConfigError,
  LedgerError,
  LedgerStoreError,
} from './errors.ts';
import { LedgerCounters } from './LedgerCounters.ts';
import { checkLease, checkNotificationId, checkTtlSeconds } from './ledgerArguments.ts';
import {
  type InspectableLedger,
  type LedgerOperation,
  type LedgerRecord,
  type LedgerStats,
  LedgerStatus,
} from './types.ts';

/** DynamoDB's table name rule: 3 to 255 of `a-z A-Z 0-9 _ - .`. */
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** The expression names every ledger command shares (`status` and `owner` are reserved words). */
const NAMES = { '#status': A.STATUS, '#owner': A.OWNER } as const;

let defaultClient: DynamoDBClient | undefined;

/** The module's one default client, created on first use (at cold start, not per call). */
function getDefaultClient(): DynamoDBClient {
  defaultClient ??= new DynamoDBClient({});
  return defaultClient;
}

/** Options of `DynamoDbLedger`. */
export type DynamoDbLedgerOptions = {
  /** The ledger table (`LEDGER_TABLE_DEFINITION`: `pk` string key, TTL on `expiresAt`). */
  readonly tableName: string;
  /**
   * How long records live after a claim or completion.
   * @default DEFAULT_LEDGER_TTL_SECONDS (7 days)
   */
  readonly ttlSeconds?: number;
  /** @default Date.now */
  readonly clock?: Clock;
  /** Makes the token that identifies each claim. @default crypto.randomUUID */
  readonly newToken?: () => string;
} & (
  | {
      /** A client to share; otherwise the module's default client is used. */
      readonly client: DynamoDBClient;
      readonly clientConfig?: never;
    }
  | {
      readonly client?: never;
      /** Config for a client made for this ledger (e.g. a DynamoDB Local endpoint). */
      readonly clientConfig?: DynamoDBClientConfig;
    }
);

/** Options of `DynamoDbLedger.fromEnv`: everything but the table name, which the environment gives. */
export type DynamoDbLedgerEnvOptions = DynamoDbLedgerOptions extends infer O
  ? O extends unknown
    ? Omit<O, 'tableName'>
    : never
  : never;

/**
 * The idempotency ledger on DynamoDB: one item per notification, one request per operation.
 *
 * - `claim` is one conditional `PutItem` that succeeds when there is no record or only an
 *   in-progress one whose lease is over; a refusal returns the stored item
 *   (`ReturnValuesOnConditionCheckFailure: ALL_OLD`), which says `completed` or
 *   `in-progress` without a second read.
 * - `complete` is one `UpdateItem` conditioned on the record still carrying this claim's
 *   owner token, so a worker whose lease was taken over cannot mark the new holder's claim.
 * - `release` is one `DeleteItem` under the same condition.
 *
 * Every record carries a TTL in `expiresAt`. The owner token lives in this instance's memory
 * between `claim` and `complete`/`release`; a Lambda instance keeps one ledger for its life.
 *
 * @example
 * const ledger = new DynamoDbLedger({ tableName: process.env.TIDINGS_LEDGER_TABLE_NAME ?? '' });
 * await processNotificationEvent(event, { router, senders, ledger: { store: ledger, leaseMs } });
 */
export class DynamoDbLedger implements InspectableLedger {
  /** The table this ledger writes to. */
  readonly tableName: string;
  /** How long records live, in seconds. */
  readonly ttlSeconds: number;
  readonly #client: DynamoDBClient;
  readonly #clock: Clock;
  readonly #newToken: () => string;
  readonly #tokens = new Map<string, string>();
  readonly #counters = new LedgerCounters();

  /** @throws LedgerConfigError for a missing or invalid table name or TTL. */
  constructor(options: DynamoDbLedgerOptions) {
    if (typeof options.tableName !== 'string' || !TABLE_NAME.test(options.tableName)) {
      throw new LedgerConfigError(
        'tableName',
        `ledger tableName must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ - .): ${JSON.stringify(options.tableName)}`,
      );
    }
    this.tableName = options.tableName;
    this.ttlSeconds = checkTtlSeconds(options.ttlSeconds ?? DEFAULT_LEDGER_TTL_SECONDS);
    this.#client =
      options.client ??
      (options.clientConfig ? new DynamoDBClient(options.clientConfig) : getDefaultClient());
    this.#clock = options.clock ?? Date.now;
    this.#newToken = options.newToken ?? randomUUID;
  }

  /**
   * A ledger on the table named by `TIDINGS_LEDGER_TABLE_NAME`.
   * @throws LedgerConfigError naming the variable when it is unset or invalid.
   */
  static fromEnv(
    options: DynamoDbLedgerEnvOptions = {},
    env: Readonly<Record<string, string | undefined>> = process.env,
  ): DynamoDbLedger {
    const tableName = env[Env.LEDGER_TABLE_NAME];
    if (!tableName) {
      throw new LedgerConfigError(
        Env.LEDGER_TABLE_NAME,
        `environment variable ${Env.LEDGER_TABLE_NAME} must name the ledger table; it is ${JSON.stringify(tableName)}`,
      );
    }
    return new DynamoDbLedger({ ...options, tableName });
  }

  /**
   * Claims `notificationId` with a lease until `leaseUntil` (epoch ms); the answer carries the
   * holder's `leaseUntil` when another worker holds the notification: the refusal's stored item
   * has it, so this costs no extra request.
   */
  async claim(notificationId: string, leaseUntil: number): Promise<ClaimAnswer> {
    return this.#counted(async () => {
      checkNotificationId('claim', notificationId);
      const now = this.#clock();
      checkLease(notificationId, leaseUntil, now, this.ttlSeconds);
      const token = this.#newToken();
      const command = new PutItemCommand({
        TableName: this.tableName,
        Item: {
          [A.KEY]: { S: notificationId },
          [A.STATUS]: { S: LedgerStatus.IN_PROGRESS },
          [A.OWNER]: { S: token },
          [A.LEASE_UNTIL]: { N: String(leaseUntil) },
          [A.CLAIMED_AT]: { N: String(now) },
          [A.EXPIRES_AT]: { N: String(this.#expiresAt(now)) },
        },
        // Free when nobody claimed it, or when the holder's lease is over (it crashed or timed
        // out without releasing). Two workers racing both evaluate this atomically on the
        // item: exactly one write wins, the other sees the winner's item.
        ConditionExpression: `attribute_not_exists(${A.KEY}) OR (#status = :inProgress AND #leaseUntil < :now)`,
        ExpressionAttributeNames: { '#status': A.STATUS, '#leaseUntil': A.LEASE_UNTIL },
        ExpressionAttributeValues: {
          ':inProgress': { S: LedgerStatus.IN_PROGRESS },
          ':now': { N: String(now) },
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        ReturnConsumedCapacity: 'TOTAL',
      });
      const refused = await this.#send('claim', notificationId, command);
      if (refused === undefined) {
        this.#tokens.set(notificationId, token);
        return { outcome: this.#outcome('claimed') };
      }
      if (refused === null) {
        throw new LedgerStoreError(
          'claim',
          notificationId,
          'ConditionalCheckFailedWithoutItem',
          true,
          new Error(
            'claim refused but no stored item returned: the endpoint ignores ReturnValuesOnConditionCheckFailure',
          ),
        );
      }
      const current = parseLedgerItem(notificationId, refused);
      // The SDK retries a request whose response was lost; the retry then finds our own
      // write. The token is fresh per claim, so this can only be that.
      if (current.owner === token && current.status === LedgerStatus.IN_PROGRESS) {
        this.#tokens.set(notificationId, token);
        return { outcome: this.#outcome('claimed') };
      }
      const outcome = this.#outcome(current.status);
      return outcome === LedgerStatus.IN_PROGRESS && current.leaseUntil !== undefined
        ? { outcome, leaseUntil: current.leaseUntil }
        : { outcome };
    });
  }

  /** Marks a notification this instance claimed as sent, with the provider's message id. */
  async complete(notificationId: string, result: SendResult): Promise<void> {
    return this.#counted(async () => {
      checkNotificationId('complete', notificationId);
      const token = this.#heldToken('complete', notificationId);
      const now = this.#clock();
      const pmid = result.providerMessageId;
      const command = new UpdateItemCommand({
        TableName: this.tableName,
        Key: { [A.KEY]: { S: notificationId } },
        UpdateExpression: `SET #status = :completed, ${A.COMPLETED_AT} = :now, #expiresAt = :expiresAt${
          pmid ? `, ${A.PROVIDER_MESSAGE_ID} = :providerMessageId` : ''
        } REMOVE #leaseUntil`,
        // Only the claim that holds the record may complete it. The lease is not checked: if
        // it ran out but nobody took over, the send did happen and recording it is true.
        ConditionExpression: '#status = :inProgress AND #owner = :owner',
        ExpressionAttributeNames: {
          ...NAMES,
          '#leaseUntil': A.LEASE_UNTIL,
          '#expiresAt': A.EXPIRES_AT,
        },
        ExpressionAttributeValues: {
          ':completed': { S: LedgerStatus.COMPLETED },
          ':inProgress': { S: LedgerStatus.IN_PROGRESS },
          ':owner': { S: token },
          ':now': { N: String(now) },
          ':expiresAt': { N: String(this.#expiresAt(now)) },
          ...(pmid ? { ':providerMessageId': { S: pmid } } : {}),
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        ReturnConsumedCapacity: 'TOTAL',
      });
      const refused = await this.#send('complete', notificationId, command);
      this.#tokens.delete(notificationId);
      if (refused === undefined) return;
      const current = refused ? parseLedgerItem(notificationId, refused) : undefined;
      // A retried request finding its own completion: done.
      if (current?.owner === token && current.status === LedgerStatus.COMPLETED) return;
      throw new ClaimLostError('complete', notificationId, current);
    });
  }

  /** Gives back a claim this instance holds, so a retry can claim it at once. */
  async release(notificationId: string): Promise<void> {
    return this.#counted(async () => {
      checkNotificationId('release', notificationId);
      const token = this.#heldToken('release', notificationId);
      const command = new DeleteItemCommand({
        TableName: this.tableName,
        Key: { [A.KEY]: { S: notificationId } },
        // Deleting a record another worker claimed (after our lease ran out) would let a
        // third worker send while the second still is; only our own claim goes.
        ConditionExpression: '#status = :inProgress AND #owner = :owner',
        ExpressionAttributeNames: { ...NAMES },
        ExpressionAttributeValues: {
          ':inProgress': { S: LedgerStatus.IN_PROGRESS },
          ':owner': { S: token },
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        ReturnConsumedCapacity: 'TOTAL',
      });
      const refused = await this.#send('release', notificationId, command);
      this.#tokens.delete(notificationId);
      // No record left (or a retried request that already deleted it): nothing is held.
      if (refused === undefined || refused === null) return;
      throw new ClaimLostError('release', notificationId, parseLedgerItem(notificationId, refused));
    });
  }

  /** Counts of calls, claim outcomes and consumed write units so far. */
  stats(): LedgerStats {
    return this.#counters.snapshot();
  }

  #expiresAt(now: number): number {
    return Math.floor(now / 1000) + this.ttlSeconds;
  }

  #heldToken(operation: LedgerOperation, notificationId: string): string {
    const token = this.#tokens.get(notificationId);
    if (token === undefined) throw new ClaimNotHeldError(operation, notificationId);
    return token;
  }

  #outcome(outcome: ClaimOutcome): ClaimOutcome {
    this.#counters.outcome(outcome);
    return outcome;
  }

  async #counted<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      this.#counters.error();
      throw error;
    }
  }

  /**
   * Sends one command. Returns `undefined` when it succeeded; when its condition failed, the
   * stored item (`null` when there was none). Other errors become `LedgerStoreError`s.
   */
  async #send(
    operation: LedgerOperation,
    notificationId: string,
    command: PutItemCommand | UpdateItemCommand | DeleteItemCommand,
  ): Promise<Record<string, AttributeValue> | null | undefined> {
    this.#counters.call(operation);
    try {
      // The union of commands has no common `send` overload; each is a valid DynamoDB command.
      const output = (await this.#client.send(command as PutItemCommand)) as {
        ConsumedCapacity?: ConsumedCapacity;
      };
      this.#counters.writeUnits(writeUnitsOf(output.ConsumedCapacity));
      return undefined;
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        // A failed conditional write is still billed: one write unit for an item under 1 KB.
        this.#counters.writeUnits(1);
        return error.Item ?? null;
      }
      if (error instanceof LedgerError) throw error;
      const { reason, permanent } = classifyDynamoDbError(error);
      throw new LedgerStoreError(operation, notificationId, reason, permanent, error);
    }
  }
}

function writeUnitsOf(capacity: ConsumedCapacity | undefined): number | undefined {
  return capacity?.WriteCapacityUnits ?? capacity?.CapacityUnits;
}

function isConditionalCheckFailed(
  error: unknown,
): error is { name: 'ConditionalCheckFailedException'; Item?: Record<string, AttributeValue> } {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { name?: unknown }).name === 'ConditionalCheckFailedException'
  );
}

/**
 * Reads a ledger item as DynamoDB returns it.
 * @throws CorruptLedgerRecordError when a field the ledger always writes is missing or wrong.
 */
export function parseLedgerItem(
  notificationId: string,
  item: Readonly<Record<string, AttributeValue>>,
): LedgerRecord {
  const status = item[A.STATUS]?.S;
  if (status !== LedgerStatus.IN_PROGRESS && status !== LedgerStatus.COMPLETED) {
    throw new CorruptLedgerRecordError(notificationId, `unknown status ${JSON.stringify(status)}`);
  }
  const owner = item[A.OWNER]?.S;
  if (!owner) throw new CorruptLedgerRecordError(notificationId, 'no owner token');
  const number = (name: string): number | undefined => {
    const raw = item[name]?.N;
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value)) {
      throw new CorruptLedgerRecordError(notificationId, `${name} is not a number: "${raw}"`);
    }
    return value;
  };
  const leaseUntil = number(A.LEASE_UNTIL);
  const completedAt = number(A.COMPLETED_AT);
  const providerMessageId = item[A.PROVIDER_MESSAGE_ID]?.S;
  return {
    notificationId: item[A.KEY]?.S ?? notificationId,
    status,
    owner,
    claimedAt: number(A.CLAIMED_AT) ?? 0,
    expiresAt: number(A.EXPIRES_AT) ?? 0,
    ...(leaseUntil === undefined ? {} : { leaseUntil }),
    ...(completedAt === undefined ? {} : { completedAt }),
    ...(providerMessageId === undefined ? {} : { providerMessageId }),
  };
}
