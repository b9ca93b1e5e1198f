import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { type CancellationReason, TransactionCanceledError } from '../outbox/errors.ts';
import type { TransactItems, TransactWriter } from '../ports.ts';
import {
  DynamoDbRequestError,
  isTransientCancellation,
  TransactionContentionError,
} from './errors.ts';

/**
 * Attempts per `TransactWriteItems` call, the first included (the SDK's default is 3). A
 * conflict with another transaction or a throttled partition usually clears within a few
 * hundred milliseconds; five attempts with the SDK's backoff (500 ms base for throttling)
 * stay within a few seconds, well inside an API's timeout.
 */
export const TRANSACT_WRITE_MAX_ATTEMPTS = 5;

/** The name under which the retry marker is installed in a client's middleware stack. */
const RETRY_MARKER = 'tidingsRetryTransientCancellations';

/** The part of a finalize-step handler the marker uses: call on, look at what was thrown. */
type Next<A, R> = (args: A) => Promise<R>;

interface CancellationLike {
  name?: unknown;
  CancellationReasons?: readonly { Code?: string; Message?: string }[];
  $retryable?: { throttling?: boolean };
}

function reasonsOf(error: CancellationLike): CancellationReason[] {
  return (error.CancellationReasons ?? []).map((reason) => ({
    code: reason.Code ?? 'None',
    ...(reason.Message ? { message: reason.Message } : {}),
  }));
}

function isCancellation(error: unknown): error is CancellationLike {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as CancellationLike).name === 'TransactionCanceledException'
  );
}

/**
 * Teaches a client's retry strategy that a `TransactionCanceledException` whose reasons are
 * only `TransactionConflict` / `ThrottlingError` / `ProvisionedThroughputExceeded` is worth
 * retrying. The SDK's standard strategy retries a whole-request throttle on its own, but a
 * cancelled transaction comes back as a 400 it would give up on. The marker sits inside the
 * retry middleware and flags such errors as throttling, so they get the throttling backoff.
 * Installing it twice replaces the first.
 */
export function retryTransientCancellations(client: DynamoDBDocumentClient): void {
  const marker =
    <A, R>(next: Next<A, R>): Next<A, R> =>
    async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (isCancellation(error) && isTransientCancellation(reasonsOf(error))) {
          error.$retryable = { throttling: true };
        }
        throw error;
      }
    };
  client.middlewareStack.addRelativeTo(marker, {
    name: RETRY_MARKER,
    relation: 'after',
    toMiddleware: 'retryMiddleware',
    override: true,
  });
}

/**
 * A document client for transactions: undefined attributes are dropped (optional fields),
 * `maxAttempts` is `TRANSACT_WRITE_MAX_ATTEMPTS` unless the config says otherwise, and
 * transient cancellations are retried (see `retryTransientCancellations`).
 */
export function createTransactWriteClient(
  config: DynamoDBClientConfig = {},
): DynamoDBDocumentClient {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ maxAttempts: TRANSACT_WRITE_MAX_ATTEMPTS, ...config }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  retryTransientCancellations(client);
  return client;
}

let sharedClient: DynamoDBDocumentClient | undefined;

function defaultClient(): DynamoDBDocumentClient {
  sharedClient ??= createTransactWriteClient();
  return sharedClient;
}

/** Options of `DynamoDbTransactWriter`. */
export interface DynamoDbTransactWriterOptions {
  /**
   * The document client to send with. Give it `removeUndefinedValues` if items may carry
   * undefined attributes.
   * @default `createTransactWriteClient()`, created once per module
   */
  readonly client?: DynamoDBDocumentClient;
}

/**
 * `TransactWriter` on DynamoDB: one `TransactWriteItems` call per transaction, all items or
 * none.
 *
 * The SDK retries throttling, 5xx, network errors and (with `retryTransientCancellations`)
 * contention. A retry re-sends the same request, which is only safe because of the
 * `ClientRequestToken`: if an attempt committed but its response was lost, DynamoDB answers
 * the retry with success instead of applying it again (or failing its own conditions), for
 * 10 minutes after the first attempt.
 */
export class DynamoDbTransactWriter implements TransactWriter {
  readonly #client: DynamoDBDocumentClient;

  constructor(options: DynamoDbTransactWriterOptions = {}) {
    this.#client = options.client ?? defaultClient();
  }

  /**
   * @throws TransactionCanceledError (permanent) when a condition failed or DynamoDB refused
   *   an item; `reasons` lines up with `items`.
   * @throws TransactionContentionError (transient) when the transaction was cancelled for
   *   conflicts or throttling only, after the SDK's retries.
   * @throws DynamoDbRequestError for any other failure, transient or permanent by its fault.
   */
  async transactWrite(
    items: TransactItems,
    options: { readonly clientRequestToken?: string } = {},
  ): Promise<void> {
    try {
      await this.#client.send(
        new TransactWriteCommand({
          TransactItems: items,
          ...(options.clientRequestToken ? { ClientRequestToken: options.clientRequestToken } : {}),
        }),
      );
    } catch (error) {
      if (isCancellation(error)) {
        const reasons = reasonsOf(error);
        if (isTransientCancellation(reasons)) {
          throw new TransactionContentionError(reasons, { cause: error });
        }
        throw new TransactionCanceledError(reasons, { cause: error });
      }
      throw new DynamoDbRequestError('TransactWriteItems', error);
    }
  }
}
