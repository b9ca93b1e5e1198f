import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  BatchWriteCommand,
  type BatchWriteCommandOutput,
  DynamoDBDocumentClient,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { OutboxSetAsideError } from '../outbox/errors.ts';
import { eventIdOfOutboxKey, isOutboxPartitionKey, outboxKey } from '../outbox/outboxItem.ts';
import { OUTBOX_ITEM_KIND, TABLE_DEFINITION } from '../outbox/tableDefinition.ts';
import type { OutboxItem, OutboxItemKey, PendingOutbox } from '../ports.ts';
import { OutboxDeleteError, PendingOutboxReadError, sdkErrorCode } from './relayErrors.ts';

/** Options of `DynamoDbPendingOutbox`. */
export interface DynamoDbPendingOutboxOptions {
  readonly tableName: string;
  /** @default a document client over one `DynamoDBClient` shared by this module */
  readonly client?: DynamoDBDocumentClient;
  /**
   * Attempts per `BatchGetItem` / `BatchWriteItem` request, the first included, while
   * DynamoDB returns unprocessed keys or items.
   * @default 5
   */
  readonly maxAttempts?: number;
  /** @default 50 */
  readonly baseDelayMs?: number;
  /** Injected for tests. @default setTimeout-based */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). @default Math.random */
  readonly random?: () => number;
  /**
   * Told of each key in the pending index that is not an outbox item's (`OUTBOX#<eventId>`),
   * which `listPending` leaves out: only the outbox helper writes the index attribute, so such
   * an item was written by hand, and the sweeper's IAM grant, limited to outbox keys, would
   * refuse the whole `BatchGetItem` that asked for it. The sweeper logs it as a warning.
   * @default ignored
   */
  readonly onNonOutboxKey?: (key: OutboxItemKey) => void;
}

type Key = { pk: string; sk: string };

/** `BatchWriteItem` takes at most 25 requests. */
const MAX_WRITE_BATCH = 25;
/** `BatchGetItem` takes at most 100 keys. */
const MAX_GET_BATCH = 100;

let defaultClient: DynamoDBDocumentClient | undefined;

function sharedClient(): DynamoDBDocumentClient {
  defaultClient ??= DynamoDBDocumentClient.from(new DynamoDBClient({}));
  return defaultClient;
}

/** The event id of an outbox item key (`OUTBOX#<eventId>`). */
function eventIdOf(key: Key): string {
  return eventIdOfOutboxKey(key.pk);
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The outbox items still waiting for the relay, read through the table's sparse pending
 * index (`TABLE_DEFINITION.pendingIndex`): a `Query` per shard for items that occurred at or
 * before a time, then `BatchGetItem` for the whole items, since the index projects keys only.
 * Relayed items are removed with `BatchWriteItem`, which also drops them from the index.
 * Dead-lettered items that must be kept are set aside with `UpdateItem` (`REMOVE
 * pendingShard`), which drops them from the index and keeps them in the table.
 *
 * IAM: `dynamodb:Query` on the index; `dynamodb:BatchGetItem`, `dynamodb:BatchWriteItem` and
 * `dynamodb:UpdateItem` on the table.
 */
export class DynamoDbPendingOutbox implements PendingOutbox {
  readonly #tableName: string;
  readonly #client: DynamoDBDocumentClient;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #onNonOutboxKey: (key: OutboxItemKey) => void;

  constructor(options: DynamoDbPendingOutboxOptions) {
    if (!options.tableName) throw new TypeError('tableName must not be empty');
    this.#tableName = options.tableName;
    this.#client = options.client ?? sharedClient();
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#baseDelayMs = options.baseDelayMs ?? 50;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#random = options.random ?? Math.random;
    this.#onNonOutboxKey = options.onNonOutboxKey ?? (() => {});
  }

  /**
   * Up to `limit` pending items that occurred at or before `olderThan`, oldest first, across
   * all shards. Items deleted between the query and the read are left out, and so are keys
   * that are not outbox items' (reported to `onNonOutboxKey`).
   * @throws PendingOutboxReadError when keys stay unprocessed after retries.
   */
  async listPending(options: { olderThan: string; limit: number }): Promise<OutboxItem[]> {
    if (options.limit <= 0) return [];
    const index = TABLE_DEFINITION.pendingIndex;
    const perShard = await Promise.all(
      Array.from({ length: index.shards }, (_, shard) =>
        this.#queryShard(`pending#${shard}`, options.olderThan, options.limit),
      ),
    );
    const keys = perShard
      .flat()
      .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt))
      .slice(0, options.limit);
    const items = await this.#getItems(keys.map(({ pk, sk }) => ({ pk, sk })));
    return items
      .filter(
        (item): item is Record<string, unknown> & OutboxItem =>
          item.kind === OUTBOX_ITEM_KIND && item.pendingShard !== undefined,
      )
      .sort((a, b) => String(a.occurredAt).localeCompare(String(b.occurredAt)));
  }

  /**
   * Deletes the outbox items of these events, in batches of 25, retrying unprocessed items.
   * Deleting an item that is already gone succeeds.
   * @throws OutboxDeleteError naming the events whose items may remain.
   */
  async deleteRelayed(eventIds: readonly string[]): Promise<void> {
    const unique = [...new Set(eventIds)];
    const left: string[] = [];
    for (let i = 0; i < unique.length; i += MAX_WRITE_BATCH) {
      let keys: Key[] = unique.slice(i, i + MAX_WRITE_BATCH).map((id) => outboxKey(id));
      try {
        for (let attempt = 1; keys.length > 0 && attempt <= this.#maxAttempts; attempt++) {
          if (attempt > 1) await this.#backoff(attempt);
          const output: BatchWriteCommandOutput = await this.#client.send(
            new BatchWriteCommand({
              RequestItems: {
                [this.#tableName]: keys.map((Key) => ({ DeleteRequest: { Key } })),
              },
            }),
          );
          keys = (output.UnprocessedItems?.[this.#tableName] ?? []).flatMap((request) => {
            const key = request.DeleteRequest?.Key;
            return key ? [key as Key] : [];
          });
        }
      } catch (error) {
        const notDeleted = [...keys.map(eventIdOf), ...unique.slice(i + MAX_WRITE_BATCH)];
        throw new OutboxDeleteError([...left, ...notDeleted], error);
      }
      left.push(...keys.map(eventIdOf));
    }
    if (left.length > 0) throw new OutboxDeleteError(left);
  }

  /**
   * Sets items aside: removes `pendingShard` from each, one `UpdateItem` per item, on the
   * condition that the item exists, so an item deleted meanwhile is not written back as a
   * stub. An item already gone counts as done.
   * @throws OutboxSetAsideError naming the items whose update failed (after the SDK's retries).
   */
  async setAside(keys: readonly OutboxItemKey[]): Promise<void> {
    const unique = [...new Map(keys.map((key) => [`${key.pk}\u0000${key.sk}`, key])).values()];
    const results = await Promise.allSettled(
      unique.map((key) =>
        this.#client.send(
          new UpdateCommand({
            TableName: this.#tableName,
            Key: { pk: key.pk, sk: key.sk },
            UpdateExpression: 'REMOVE #pendingShard',
            // Without it, an update of an item deleted meanwhile would create a key-only item.
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: {
              '#pendingShard': TABLE_DEFINITION.pendingIndex.partitionKey.name,
            },
          }),
        ),
      ),
    );
    const failed: string[] = [];
    let cause: unknown;
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') return;
      if (sdkErrorCode(result.reason) === 'ConditionalCheckFailedException') return;
      failed.push(unique[index]?.pk ?? '?');
      cause ??= result.reason;
    });
    if (failed.length > 0) throw new OutboxSetAsideError(failed, { cause });
  }

  async #queryShard(
    shard: string,
    olderThan: string,
    limit: number,
  ): Promise<(Key & { occurredAt: string })[]> {
    const index = TABLE_DEFINITION.pendingIndex;
    const found: (Key & { occurredAt: string })[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const output = await this.#client.send(
        new QueryCommand({
          TableName: this.#tableName,
          IndexName: index.indexName,
          KeyConditionExpression: '#shard = :shard AND #occurredAt <= :olderThan',
          ExpressionAttributeNames: {
            '#shard': index.partitionKey.name,
            '#occurredAt': index.sortKey.name,
          },
          ExpressionAttributeValues: { ':shard': shard, ':olderThan': olderThan },
          ScanIndexForward: true,
          Limit: limit - found.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of output.Items ?? []) {
        if (typeof item.pk !== 'string' || typeof item.sk !== 'string') continue;
        // Left out here, not after the query, so they never take a place in the limit and
        // the shard's outbox items behind them are still reached.
        if (!isOutboxPartitionKey(item.pk)) {
          this.#onNonOutboxKey({ pk: item.pk, sk: item.sk });
          continue;
        }
        found.push({ pk: item.pk, sk: item.sk, occurredAt: String(item.occurredAt) });
      }
      startKey = output.LastEvaluatedKey;
    } while (startKey && found.length < limit);
    return found;
  }

  async #getItems(keys: readonly Key[]): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for (let i = 0; i < keys.length; i += MAX_GET_BATCH) {
      let pending: Record<string, unknown>[] = keys.slice(i, i + MAX_GET_BATCH);
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > this.#maxAttempts) throw new PendingOutboxReadError(pending.length);
        if (attempt > 1) await this.#backoff(attempt);
        const output: BatchGetCommandOutput = await this.#client.send(
          new BatchGetCommand({ RequestItems: { [this.#tableName]: { Keys: pending } } }),
        );
        items.push(...(output.Responses?.[this.#tableName] ?? []));
        pending = output.UnprocessedKeys?.[this.#tableName]?.Keys ?? [];
      }
    }
    return items;
  }

  #backoff(attempt: number): Promise<void> {
    // Full jitter: unprocessed items mean the table is throttling, so spread the retries.
    return this.#sleep(Math.round(this.#random() * this.#baseDelayMs * 2 ** (attempt - 2)));
  }
}
