import type {
  _Record,
  DynamoDBStreamsClient,
  Shard,
  AttributeValue as StreamAttributeValue,
} from '@aws-sdk/client-dynamodb-streams';
import { marshall } from '@aws-sdk/util-dynamodb';
import type {
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  AttributeValue as LambdaAttributeValue,
} from 'aws-lambda';
import type { Clock } from '../events/ids.ts';
import { LocalServiceError } from './errors.ts';
import { type FilterPattern, matchesAnyFilter } from './matchesFilter.ts';
import { loadDynamoDbStreams } from './optionalPeers.ts';

/** A Lambda handler for DynamoDB stream events, with or without partial batch responses. */
export type StreamHandler = (
  event: DynamoDBStreamEvent,
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler typed `Promise<void>` must be accepted, as aws-lambda's `DynamoDBStreamHandler` accepts it.
) => Promise<DynamoDBBatchResponse | undefined | void>;

/** Why records went to `onFailure`, as the on-failure destination's `condition` says. */
export type DiscardReason = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

/** What `onFailure` learns besides the records, like the on-failure destination's metadata. */
export interface DiscardContext {
  readonly shardId: string;
  readonly streamArn: string;
  /** Failed invocations of these records (0 for `RecordAgeExceeded` without any). */
  readonly attempts: number;
  /** What the last failed invocation threw, if it threw. */
  readonly error?: unknown;
}

/** Options of `StreamPoller`. */
export interface StreamPollerOptions {
  readonly streamArn: string;
  readonly handler: StreamHandler;
  /** @default one `DynamoDBStreamsClient` shared by this module, from the environment */
  readonly streamsClient?: DynamoDBStreamsClient;
  /**
   * The event source mapping's filter criteria: records matching none are skipped and
   * checkpointed past, never handed to the handler. @default every record
   */
  readonly filter?: FilterPattern | readonly FilterPattern[];
  /** Most records per invocation, like `BatchSize` (1-10000). @default 100 */
  readonly batchSize?: number;
  /** Like `BisectBatchOnFunctionError`: split a batch whose invocation threw and retry the halves. @default false */
  readonly bisectOnError?: boolean;
  /**
   * Retries of a failing batch before its records go to `onFailure`, like
   * `MaximumRetryAttempts` (0 = no retry). Splitting a batch does not use up a retry.
   * @default Infinity (Lambda's -1: retry until the record expires)
   */
  readonly maxRetryAttempts?: number;
  /** Older records go to `onFailure` instead of the handler, like `MaximumRecordAgeInSeconds`. @default Infinity */
  readonly maxRecordAgeSeconds?: number;
  /** Like the on-failure destination: receives discarded records; the poller then moves past them. */
  readonly onFailure?: (
    records: readonly DynamoDBRecord[],
    reason: DiscardReason,
    context: DiscardContext,
  ) => Promise<void> | void;
  /**
   * The stream's retention: records older than this (by `clock`) are gone, as DynamoDB
   * Streams trims them after 24 hours. Counted as `dropped`, never delivered. Ages come from
   * `ApproximateCreationDateTime`, which DynamoDB Local rounds down to the minute.
   * @default 86400
   */
  readonly retentionSeconds?: number;
  /** Now, in epoch ms; advance a fake one to age records. @default Date.now */
  readonly clock?: Clock;
}

/** What one `pollOnce` did. */
export interface PollResult {
  /** Handler invocations. */
  readonly invoked: number;
  /** Records handed to the handler, redeliveries included. */
  readonly records: number;
  /** Records of this poll's invocations that were not acknowledged (to retry or discard). */
  readonly failures: number;
  /** Records lost to the stream's retention. */
  readonly dropped: number;
  /** Records skipped because they matched no filter. */
  readonly filtered: number;
  /** Records handed to `onFailure`. */
  readonly discarded: number;
  /** Records read from the stream (new ones only). */
  readonly fetched: number;
}

/** What `drain` did, summed over its polls. */
export interface DrainResult extends PollResult {
  readonly rounds: number;
  /** True when the last poll found nothing to read and nothing left to deliver. */
  readonly drained: boolean;
}

/** Totals since the poller was made, and its position. */
export interface StreamPollerStats extends PollResult {
  readonly polls: number;
  /** Records read but not yet acknowledged or discarded. */
  readonly buffered: number;
  readonly shards: number;
  readonly paused: boolean;
}

/**
 * The handler's batch response named something that is not a record of the batch; Lambda
 * then treats the whole batch as failed. Permanent: the handler's code is wrong.
 */
export class InvalidBatchResponseError extends LocalServiceError {
  readonly permanent = true;
  constructor(readonly response: unknown) {
    super(`invalid batch response: ${JSON.stringify(response)}`);
  }
}

const DEFAULT_BATCH_SIZE = 100;
const MAX_BATCH_SIZE = 10_000;
const GET_RECORDS_LIMIT = 1000;
const DAY_SECONDS = 24 * 60 * 60;

/** The DynamoDB Streams client module: an optional peer of Tidings, loaded on the first poll. */
type StreamsSdk = Awaited<ReturnType<typeof loadDynamoDbStreams>>;

let defaultClient: DynamoDBStreamsClient | undefined;

function sharedClient(sdk: StreamsSdk): DynamoDBStreamsClient {
  defaultClient ??= new sdk.DynamoDBStreamsClient({});
  return defaultClient;
}

interface BufferedRecord {
  readonly record: DynamoDBRecord;
  /** ApproximateCreationDateTime in epoch ms. */
  readonly createdAt: number;
}

interface ShardState {
  readonly shardId: string;
  readonly parentShardId: string | undefined;
  /** The next GetRecords iterator; undefined before the first read, null once the shard is closed. */
  iterator: string | undefined | null;
  /** Last sequence number read, to re-open an expired iterator after it. */
  lastRead: string | undefined;
  /** Read, filtered, not yet acknowledged: the checkpoint is just before the first one. */
  readonly buffer: BufferedRecord[];
  /** Sizes of the batches a bisect left to deliver, the next on top. */
  readonly splits: number[];
  /** Failed invocations of the batch at the head of the buffer. */
  attempts: number;
}

type Outcome =
  | { readonly kind: 'success' }
  | { readonly kind: 'partial'; readonly firstFailed: number }
  | { readonly kind: 'error'; readonly error: unknown };

const ZERO: PollResult = {
  invoked: 0,
  records: 0,
  failures: 0,
  dropped: 0,
  filtered: 0,
  discarded: 0,
  fetched: 0,
};

/**
 * Stands in for the Lambda DynamoDB Streams event source mapping in local runs and tests:
 * it reads every shard of a stream from TRIM_HORIZON (children after their parents), skips
 * records that match no filter, invokes the handler with real-shaped `DynamoDBStreamEvent`s
 * of at most `batchSize` records, one batch per shard per poll, and settles each batch as
 * Lambda does with `ReportBatchItemFailures`:
 * - no failures: the checkpoint moves past the batch;
 * - `batchItemFailures`: the checkpoint moves to just before the lowest failed sequence
 *   number, and the next poll delivers from there;
 * - a throw, or a response naming an id not in the batch: the whole batch is retried, or
 *   with `bisectOnError` split in half, each half retried in turn;
 * - after `maxRetryAttempts` retries, or past `maxRecordAgeSeconds`, records go to
 *   `onFailure` and the poller moves past them.
 *
 * The checkpoint lives in memory. Records older than `retentionSeconds` by the injected clock
 * are dropped as the stream's 24-hour trim would drop them. `pause()` simulates a relay that
 * is down: the stream keeps records, nothing is delivered.
 *
 * @example
 * const poller = new StreamPoller({ streamsClient, streamArn, handler, filter: OUTBOX_STREAM_FILTER });
 * await putItems();
 * await poller.drain();
 */
export class StreamPoller {
  readonly #options: StreamPollerOptions;
  /** The module and client, once the first poll has loaded them. */
  #streams: { readonly sdk: StreamsSdk; readonly client: DynamoDBStreamsClient } | undefined;
  readonly #filters: readonly FilterPattern[] | undefined;
  readonly #batchSize: number;
  readonly #maxRetryAttempts: number;
  readonly #maxRecordAgeMs: number;
  readonly #retentionMs: number;
  readonly #clock: Clock;
  readonly #region: string;
  readonly #shards = new Map<string, ShardState>();
  #totals: PollResult = ZERO;
  #polls = 0;
  #paused = false;

  constructor(options: StreamPollerOptions) {
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
      throw new RangeError(
        `batchSize must be an integer from 1 to ${MAX_BATCH_SIZE}, got ${batchSize}`,
      );
    }
    const maxRetryAttempts = options.maxRetryAttempts ?? Number.POSITIVE_INFINITY;
    if (!(maxRetryAttempts >= 0)) {
      throw new RangeError(`maxRetryAttempts must be 0 or more, got ${maxRetryAttempts}`);
    }
    const arnParts = options.streamArn.split(':');
    if (arnParts.length < 6 || !options.streamArn.includes('/stream/')) {
      throw new TypeError(`streamArn is not a DynamoDB stream ARN: "${options.streamArn}"`);
    }
    this.#options = options;
    this.#filters =
      options.filter === undefined
        ? undefined
        : Array.isArray(options.filter)
          ? (options.filter as readonly FilterPattern[])
          : [options.filter as FilterPattern];
    this.#batchSize = batchSize;
    this.#maxRetryAttempts = maxRetryAttempts;
    this.#maxRecordAgeMs = (options.maxRecordAgeSeconds ?? Number.POSITIVE_INFINITY) * 1000;
    this.#retentionMs = (options.retentionSeconds ?? DAY_SECONDS) * 1000;
    this.#clock = options.clock ?? Date.now;
    this.#region = arnParts[3] ?? '';
  }

  /** Stops delivering (a broken relay); the stream keeps its records until `resume()`. */
  pause(): void {
    this.#paused = true;
  }

  /** Delivers again from the checkpoint, minus whatever retention dropped meanwhile. */
  resume(): void {
    this.#paused = false;
  }

  /** Totals since the poller was made, and how many records wait in its buffer. */
  stats(): StreamPollerStats {
    let buffered = 0;
    for (const shard of this.#shards.values()) buffered += shard.buffer.length;
    return {
      ...this.#totals,
      polls: this.#polls,
      buffered,
      shards: this.#shards.size,
      paused: this.#paused,
    };
  }

  /**
   * Reads new records from every ready shard and invokes the handler with at most one batch
   * per shard. Does nothing while paused.
   *
   * @throws MissingPeerDependencyError when `@aws-sdk/client-dynamodb-streams` is not installed.
   */
  async pollOnce(): Promise<PollResult> {
    if (this.#paused) return ZERO;
    this.#polls++;
    const result = { ...ZERO };
    await this.#discoverShards();
    for (const shard of this.#readyShards()) {
      await this.#pollShard(shard, result);
    }
    this.#totals = sum(this.#totals, result);
    return result;
  }

  /**
   * Polls until a poll reads nothing new and has nothing left to deliver, or `maxRounds`
   * polls have run (a batch that keeps failing with unlimited retries never drains).
   */
  async drain(options: { readonly maxRounds?: number } = {}): Promise<DrainResult> {
    const maxRounds = options.maxRounds ?? 100;
    let total: PollResult = ZERO;
    for (let round = 1; round <= maxRounds; round++) {
      if (this.#paused) return { ...total, rounds: round - 1, drained: false };
      const result = await this.pollOnce();
      total = sum(total, result);
      if (result.fetched === 0 && result.invoked === 0 && this.stats().buffered === 0) {
        return { ...total, rounds: round, drained: true };
      }
    }
    return { ...total, rounds: maxRounds, drained: false };
  }

  /**
   * The streams module and the client: `streamsClient`, or one shared by this module. Loaded
   * here, not when this file is imported, so 'tidings/local' imports without the package.
   */
  async #sdk(): Promise<{ readonly sdk: StreamsSdk; readonly client: DynamoDBStreamsClient }> {
    if (!this.#streams) {
      const sdk = await loadDynamoDbStreams('StreamPoller');
      this.#streams = { sdk, client: this.#options.streamsClient ?? sharedClient(sdk) };
    }
    return this.#streams;
  }

  async #discoverShards(): Promise<void> {
    const { sdk, client } = await this.#sdk();
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await client.send(
        new sdk.DescribeStreamCommand({
          StreamArn: this.#options.streamArn,
          ExclusiveStartShardId: exclusiveStartShardId,
        }),
      );
      for (const shard of StreamDescription?.Shards ?? []) this.#track(shard);
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
  }

  #track(shard: Shard): void {
    if (!shard.ShardId || this.#shards.has(shard.ShardId)) return;
    this.#shards.set(shard.ShardId, {
      shardId: shard.ShardId,
      parentShardId: shard.ParentShardId,
      iterator: undefined,
      lastRead: undefined,
      buffer: [],
      splits: [],
      attempts: 0,
    });
  }

  /** Shards whose parent is fully processed (or unknown, i.e. trimmed away) and that are not done. */
  #readyShards(): ShardState[] {
    const done = (shard: ShardState) => shard.iterator === null && shard.buffer.length === 0;
    return [...this.#shards.values()].filter((shard) => {
      if (done(shard)) return false;
      const parent = shard.parentShardId ? this.#shards.get(shard.parentShardId) : undefined;
      return !parent || done(parent);
    });
  }

  async #pollShard(shard: ShardState, result: { -readonly [K in keyof PollResult]: number }) {
    await this.#fill(shard, result);
    const now = this.#clock();

    // Retention first: a trimmed record is gone from the stream, not a failure.
    const kept = shard.buffer.filter((r) => now - r.createdAt <= this.#retentionMs);
    if (kept.length < shard.buffer.length) {
      result.dropped += shard.buffer.length - kept.length;
      const headGone = kept[0] !== shard.buffer[0];
      shard.buffer.splice(0, shard.buffer.length, ...kept);
      if (headGone) this.#restartBatching(shard);
    }
    const expired = shard.buffer.filter((r) => now - r.createdAt > this.#maxRecordAgeMs);
    if (expired.length > 0) {
      const head = shard.buffer[0];
      await this.#discard(shard, expired, 'RecordAgeExceeded', undefined, result);
      if (shard.buffer[0] !== head) this.#restartBatching(shard);
    }
    if (shard.buffer.length === 0) return;

    const size = Math.min(
      shard.splits.at(-1) ?? this.#batchSize,
      this.#batchSize,
      shard.buffer.length,
    );
    const batch = shard.buffer.slice(0, size);
    const outcome = await this.#invoke(batch.map((r) => r.record));
    result.invoked++;
    result.records += batch.length;

    if (outcome.kind === 'success') {
      shard.buffer.splice(0, size);
      shard.splits.pop();
      shard.attempts = 0;
      return;
    }
    if (outcome.kind === 'partial') {
      const i = outcome.firstFailed;
      result.failures += size - i;
      // Checkpoint just before the lowest failed record: what precedes it is done.
      shard.buffer.splice(0, i);
      shard.attempts = i === 0 ? shard.attempts + 1 : 1;
      if (shard.splits.length > 0) shard.splits[shard.splits.length - 1] = size - i;
      if (shard.attempts > this.#maxRetryAttempts) {
        await this.#discard(shard, batch.slice(i), 'RetryAttemptsExhausted', undefined, result);
        shard.splits.pop();
        shard.attempts = 0;
      }
      return;
    }
    result.failures += size;
    if (this.#options.bisectOnError && size > 1) {
      const first = Math.ceil(size / 2);
      shard.splits.pop();
      shard.splits.push(size - first, first);
      shard.attempts = 0;
      return;
    }
    shard.attempts++;
    if (shard.attempts > this.#maxRetryAttempts) {
      await this.#discard(shard, batch, 'RetryAttemptsExhausted', outcome.error, result);
      shard.splits.pop();
      shard.attempts = 0;
    }
  }

  /** Reads until the buffer holds a full batch, the shard has nothing more, or it closed. */
  async #fill(shard: ShardState, result: { fetched: number; filtered: number }): Promise<void> {
    const { sdk, client } = await this.#sdk();
    while (shard.buffer.length < this.#batchSize && shard.iterator !== null) {
      const iterator = shard.iterator ?? (await this.#openIterator(shard));
      let output: { Records?: _Record[]; NextShardIterator?: string };
      try {
        output = await client.send(
          new sdk.GetRecordsCommand({ ShardIterator: iterator, Limit: GET_RECORDS_LIMIT }),
        );
      } catch (error) {
        // Iterators expire after 15 minutes; re-open after the last record read.
        if (
          error instanceof sdk.ExpiredIteratorException ||
          error instanceof sdk.TrimmedDataAccessException
        ) {
          shard.iterator = undefined;
          continue;
        }
        throw error;
      }
      shard.iterator = output.NextShardIterator ?? null;
      const records = output.Records ?? [];
      for (const raw of records) {
        const record = this.#toLambdaRecord(raw);
        shard.lastRead = record.dynamodb?.SequenceNumber ?? shard.lastRead;
        result.fetched++;
        if (this.#filters && !matchesAnyFilter(record, this.#filters)) {
          result.filtered++;
          continue;
        }
        shard.buffer.push({
          record,
          createdAt: raw.dynamodb?.ApproximateCreationDateTime?.getTime() ?? this.#clock(),
        });
      }
      if (records.length === 0) return;
    }
  }

  async #openIterator(shard: ShardState): Promise<string> {
    const { sdk, client } = await this.#sdk();
    const { ShardIterator } = await client.send(
      new sdk.GetShardIteratorCommand({
        StreamArn: this.#options.streamArn,
        ShardId: shard.shardId,
        ...(shard.lastRead
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: shard.lastRead }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    if (!ShardIterator) {
      throw new TypeError(`GetShardIterator returned no iterator for shard ${shard.shardId}`);
    }
    return ShardIterator;
  }

  async #invoke(records: DynamoDBRecord[]): Promise<Outcome> {
    let response: unknown;
    try {
      response = await this.#options.handler({ Records: records });
    } catch (error) {
      return { kind: 'error', error };
    }
    if (response === undefined || response === null) return { kind: 'success' };
    const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
    if (failures === undefined || failures === null) return { kind: 'success' };
    if (!Array.isArray(failures)) {
      return { kind: 'error', error: new InvalidBatchResponseError(response) };
    }
    if (failures.length === 0) return { kind: 'success' };
    let firstFailed = Number.POSITIVE_INFINITY;
    for (const failure of failures) {
      const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
      const index =
        typeof id === 'string' && id !== ''
          ? records.findIndex((r) => r.dynamodb?.SequenceNumber === id)
          : -1;
      // Lambda fails the whole batch when an identifier is empty or not in it.
      if (index === -1) return { kind: 'error', error: new InvalidBatchResponseError(response) };
      firstFailed = Math.min(firstFailed, index);
    }
    return { kind: 'partial', firstFailed };
  }

  async #discard(
    shard: ShardState,
    records: readonly BufferedRecord[],
    reason: DiscardReason,
    error: unknown,
    result: { discarded: number },
  ): Promise<void> {
    // Hand them over first: if onFailure throws, the records stay and are tried again.
    await this.#options.onFailure?.(
      records.map((r) => r.record),
      reason,
      {
        shardId: shard.shardId,
        streamArn: this.#options.streamArn,
        attempts: shard.attempts,
        ...(error === undefined ? {} : { error }),
      },
    );
    const gone = new Set(records);
    const kept = shard.buffer.filter((r) => !gone.has(r));
    shard.buffer.splice(0, shard.buffer.length, ...kept);
    result.discarded += records.length;
  }

  /** The batch being retried lost its head to retention or age: start over with full batches. */
  #restartBatching(shard: ShardState): void {
    shard.splits.length = 0;
    shard.attempts = 0;
  }

  #toLambdaRecord(raw: _Record): DynamoDBRecord {
    const stream = raw.dynamodb ?? {};
    const created = stream.ApproximateCreationDateTime;
    return {
      eventID: raw.eventID ?? '',
      eventName: raw.eventName ?? 'INSERT',
      eventVersion: raw.eventVersion ?? '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: raw.awsRegion ?? this.#region,
      eventSourceARN: this.#options.streamArn,
      dynamodb: {
        ...(created ? { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) } : {}),
        ...(stream.Keys ? { Keys: toLambdaImage(stream.Keys) } : {}),
        ...(stream.NewImage ? { NewImage: toLambdaImage(stream.NewImage) } : {}),
        ...(stream.OldImage ? { OldImage: toLambdaImage(stream.OldImage) } : {}),
        ...(stream.SequenceNumber ? { SequenceNumber: stream.SequenceNumber } : {}),
        ...(stream.SizeBytes !== undefined ? { SizeBytes: stream.SizeBytes } : {}),
        ...(stream.StreamViewType ? { StreamViewType: stream.StreamViewType } : {}),
      },
    };
  }
}

function sum(a: PollResult, b: PollResult): PollResult {
  return {
    invoked: a.invoked + b.invoked,
    records: a.records + b.records,
    failures: a.failures + b.failures,
    dropped: a.dropped + b.dropped,
    filtered: a.filtered + b.filtered,
    discarded: a.discarded + b.discarded,
    fetched: a.fetched + b.fetched,
  };
}

function toLambdaImage(
  image: Record<string, StreamAttributeValue>,
): Record<string, LambdaAttributeValue> {
  return Object.fromEntries(
    Object.entries(image).map(([name, value]) => [name, toLambdaValue(value)]),
  );
}

/**
 * A plain item as a stream record's image in Lambda's JSON shape: marshalled as DynamoDB stores
 * it, then each value as Lambda's event JSON carries it. The chaos suite's simulated stream
 * and the tests' stream records build their images with it.
 */
export function itemToLambdaImage(
  item: Readonly<Record<string, unknown>>,
): Record<string, LambdaAttributeValue> {
  return toLambdaImage(
    marshall(item, { removeUndefinedValues: true }) as Record<string, StreamAttributeValue>,
  );
}

/**
 * The SDK's attribute value in Lambda's JSON shape: binaries become base64 strings, as the
 * event JSON carries them; everything else is already JSON.
 */
export function toLambdaValue(value: StreamAttributeValue): LambdaAttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: value.SS };
  if (value.NS !== undefined) return { NS: value.NS };
  throw new TypeError(`unknown attribute value type: ${JSON.stringify(Object.keys(value))}`);
}
