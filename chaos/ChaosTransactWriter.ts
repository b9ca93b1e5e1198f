import { DynamoDbRequestError, TransactionContentionError } from '../lambdas/aws/errors.ts';
import { isPermanentError } from '../lambdas/errors.ts';
import type { TransactItems, TransactWriter } from '../lambdas/ports.ts';
import { FaultSite, type Faults } from './faults.ts';

/** Options of `ChaosTransactWriter`. */
export interface ChaosTransactWriterOptions {
  /** The table the transactions apply to (a `MemoryOutboxStore` in a chaos run). */
  readonly store: TransactWriter;
  readonly faults: Faults;
  /**
   * Attempts per transaction, the first included, as the SDK's retry strategy makes them.
   * @default 5, `TRANSACT_WRITE_MAX_ATTEMPTS`
   */
  readonly maxAttempts?: number;
  /** Told of every transaction that applied: the stream sees its items. */
  readonly onCommit?: (items: TransactItems) => void;
  /** Told of every transaction handed to the writer, applied or not. */
  readonly onAttempt?: (items: TransactItems) => void;
}

/**
 * An AWS SDK error as the SDK shapes it, for `DynamoDbRequestError` to classify; without a
 * status it is a network error, which carries no `$fault`.
 */
function sdkError(name: string, message: string, status?: number): Error {
  const error = Object.assign(new Error(message), { name });
  if (status === undefined) return error;
  return Object.assign(error, {
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

/**
 * `TransactWriteItems` as the producer meets it under load: attempts are throttled or
 * cancelled for conflicts before applying, or apply and lose their response. Like the SDK,
 * it retries the same request, with the same `ClientRequestToken`; like DynamoDB, a retry of
 * a token that already committed answers success without applying again. Errors left after
 * the last attempt are those `DynamoDbTransactWriter` throws.
 */
export class ChaosTransactWriter implements TransactWriter {
  readonly #store: TransactWriter;
  readonly #faults: Faults;
  readonly #maxAttempts: number;
  readonly #onCommit: (items: TransactItems) => void;
  readonly #onAttempt: (items: TransactItems) => void;
  /** Tokens of transactions that applied (DynamoDB remembers them for 10 minutes). */
  readonly #committedTokens = new Set<string>();

  constructor(options: ChaosTransactWriterOptions) {
    this.#store = options.store;
    this.#faults = options.faults;
    this.#maxAttempts = options.maxAttempts ?? 5;
    this.#onCommit = options.onCommit ?? (() => {});
    this.#onAttempt = options.onAttempt ?? (() => {});
  }

  async transactWrite(
    items: TransactItems,
    options: { readonly clientRequestToken?: string } = {},
  ): Promise<void> {
    this.#onAttempt(items);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#attempt(items, options.clientRequestToken);
        return;
      } catch (error) {
        if (isPermanentError(error) || attempt >= this.#maxAttempts) throw error;
      }
    }
  }

  async #attempt(items: TransactItems, token: string | undefined): Promise<void> {
    // The idempotency DynamoDB gives a client request token: the replay of a committed
    // transaction succeeds without applying it again or failing its own conditions.
    if (token !== undefined && this.#committedTokens.has(token)) return;
    if (this.#faults.roll(FaultSite.TRANSACT_REJECTED)) {
      if (this.#faults.pick(FaultSite.TRANSACT_REJECTED, 2) === 0) {
        throw new TransactionContentionError(
          items.map((_, i) => ({ code: i === items.length - 1 ? 'TransactionConflict' : 'None' })),
        );
      }
      throw new DynamoDbRequestError(
        'TransactWriteItems',
        sdkError('ThrottlingException', 'Rate of requests exceeds the allowed throughput.', 400),
      );
    }
    await this.#store.transactWrite(items);
    if (token !== undefined) this.#committedTokens.add(token);
    this.#onCommit(items);
    if (this.#faults.roll(FaultSite.TRANSACT_RESPONSE_LOST)) {
      throw new DynamoDbRequestError(
        'TransactWriteItems',
        sdkError('TimeoutError', 'socket timed out after the request was sent'),
      );
    }
  }
}
