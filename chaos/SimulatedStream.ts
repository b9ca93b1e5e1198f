import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { Clock } from '../lambdas/events/ids.ts';
import { type FilterPattern, matchesAnyFilter } from '../lambdas/local/matchesFilter.ts';
import { itemToLambdaImage } from '../lambdas/local/StreamPoller.ts';
import { OUTBOX_STREAM_FILTER, TABLE_DEFINITION } from '../lambdas/outbox/tableDefinition.ts';
import type { TransactItems } from '../lambdas/ports.ts';

/** Options of `SimulatedStream`. */
export interface SimulatedStreamOptions {
  /** Dates the records (`ApproximateCreationDateTime`). */
  readonly clock: Clock;
  /** The event source mapping's filter. @default OUTBOX_STREAM_FILTER */
  readonly filter?: FilterPattern;
  /** Most records per invocation, like `BatchSize`. @default 100 */
  readonly batchSize?: number;
  /** @default a made-up stream of table `tidings-chaos` */
  readonly streamArn?: string;
}

/** What one invocation of the stream's handler came to. */
export interface StreamInvocation {
  /** Records handed to the handler. */
  readonly records: number;
  /** `ok`: checkpoint past the batch; `partial`: retry from the lowest failure; `error`: retry the batch. */
  readonly outcome: 'ok' | 'partial' | 'error';
  /** What the handler threw, for `error`. */
  readonly error?: unknown;
}

/** The stream handler: the relay Lambda. */
export type StreamBatchHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

const DEFAULT_STREAM_ARN =
  'arn:aws:dynamodb:us-east-1:000000000000:table/tidings-chaos/stream/2025-01-01T00:00:00.000';

/**
 * An in-memory DynamoDB stream with the Lambda event source mapping in front of it, for the
 * chaos suite (`MemoryOutboxStore` has no stream). Each committed transaction's `Put`s become
 * INSERT records in commit order, in Lambda's JSON shape; the mapping's filter drops what is
 * not an outbox item; batches go to the handler and are settled as Lambda settles them with
 * `ReportBatchItemFailures`: a clean response moves the checkpoint past the batch, failures
 * move it to just before the lowest failed record, and a throw retries the whole batch (with
 * Lambda's default of unlimited retries). One shard, so records stay in order.
 */
export class SimulatedStream {
  readonly #clock: Clock;
  readonly #filters: readonly FilterPattern[];
  readonly #batchSize: number;
  readonly #streamArn: string;
  readonly #records: DynamoDBRecord[] = [];
  /** Index of the first record not yet acknowledged. */
  #checkpoint = 0;
  #sequence = 0;
  #filtered = 0;

  constructor(options: SimulatedStreamOptions) {
    this.#clock = options.clock;
    this.#filters = [options.filter ?? (OUTBOX_STREAM_FILTER as unknown as FilterPattern)];
    this.#batchSize = options.batchSize ?? 100;
    this.#streamArn = options.streamArn ?? DEFAULT_STREAM_ARN;
  }

  /** Records waiting to be delivered (or redelivered). */
  get pending(): number {
    return this.#records.length - this.#checkpoint;
  }

  /** Records written to the stream that the filter kept from the handler. */
  get filtered(): number {
    return this.#filtered;
  }

  /** Adds the INSERT records of a committed transaction's `Put`s, in item order. */
  append(items: TransactItems): void {
    const { partitionKey, sortKey, streamViewType } = TABLE_DEFINITION;
    for (const action of items) {
      const item = action.Put?.Item;
      if (!item) continue;
      this.#sequence++;
      const sequenceNumber = String(this.#sequence * 100).padStart(21, '0');
      const keys = itemToLambdaImage({
        [partitionKey.name]: item[partitionKey.name],
        [sortKey.name]: item[sortKey.name],
      });
      const image = itemToLambdaImage(item);
      const record: DynamoDBRecord = {
        eventID: `chaos-${sequenceNumber}`,
        eventName: 'INSERT',
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: 'us-east-1',
        eventSourceARN: this.#streamArn,
        dynamodb: {
          ApproximateCreationDateTime: Math.floor(this.#clock() / 1000),
          Keys: keys,
          NewImage: image,
          SequenceNumber: sequenceNumber,
          SizeBytes: Buffer.byteLength(JSON.stringify({ Keys: keys, NewImage: image })),
          StreamViewType: streamViewType,
        },
      };
      if (matchesAnyFilter(record, this.#filters)) this.#records.push(record);
      else this.#filtered++;
    }
  }

  /**
   * Hands the next batch (from the checkpoint) to `handler` once and settles it. Returns
   * undefined when nothing is waiting.
   */
  async deliver(handler: StreamBatchHandler): Promise<StreamInvocation | undefined> {
    const batch = this.#records.slice(this.#checkpoint, this.#checkpoint + this.#batchSize);
    if (batch.length === 0) return undefined;
    let response: DynamoDBBatchResponse;
    try {
      response = await handler({ Records: batch });
    } catch (error) {
      return { records: batch.length, outcome: 'error', error };
    }
    const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    const first = batch.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
    if (failed.size > 0 && first === -1) {
      // Lambda fails the whole batch when a response names a record it did not send.
      return {
        records: batch.length,
        outcome: 'error',
        error: new TypeError(
          `batch response names no record of the batch: ${[...failed].join(', ')}`,
        ),
      };
    }
    if (first === -1) {
      this.#checkpoint += batch.length;
      return { records: batch.length, outcome: 'ok' };
    }
    this.#checkpoint += first;
    return { records: batch.length, outcome: 'partial' };
  }
}
