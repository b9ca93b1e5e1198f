/**
 * The fewest AWS API calls one welcome email can cost end to end, for a batch of signups that
 * flows through the pipeline together. The benchmark prints it beside the measured figure, so a
 * gap means some hop makes calls the design does not need.
 */

/** Limits and per-notification work the minimum is computed from. */
export interface MinimumCallsOptions {
  /** `TransactWriteItems` per signup (business items and outbox item together). @default 1 */
  readonly transactionsPerSignup?: number;
  /** Entries per `SendMessageBatch` (the SQS limit). @default 10 */
  readonly sendBatchEntries?: number;
  /** Deletes per `BatchWriteItem` (the DynamoDB limit) for relayed outbox items. @default 25 */
  readonly deleteBatchItems?: number;
  /** Ledger requests per notification: claim and complete. @default 2 */
  readonly ledgerCallsPerNotification?: number;
  /** Provider calls per notification (one SES `SendEmail`). @default 1 */
  readonly sendsPerNotification?: number;
}

/** The minimum per notification, hop by hop, and the total. */
export interface MinimumCalls {
  readonly batchSize: number;
  readonly producer: number;
  readonly relaySend: number;
  readonly relayDelete: number;
  readonly ledger: number;
  readonly sender: number;
  readonly total: number;
  /** The formula, in words, for the results file. */
  readonly formula: string;
}

/** The stated budget: calls per notification at a batch of 10 signups. */
export const CALL_BUDGET = { batchSize: 10, maxCallsPerNotification: 4.2 } as const;

/**
 * Minimum calls per notification at batch size `n` (one welcome email per signup):
 * `T + ceil(n / 10) / n + ceil(n / 25) / n + L + S`, where T = transactions per signup (1),
 * 10 = entries per `SendMessageBatch`, 25 = deletes per `BatchWriteItem`, L = ledger calls per
 * notification (2: claim, complete) and S = sends per notification (1). At n = 10 that is
 * 1 + 0.1 + 0.1 + 2 + 1 = 4.2, the budget.
 *
 * @throws RangeError when `n` is not a positive integer.
 * @example minimumCallsPerNotification(10).total // 4.2
 */
export function minimumCallsPerNotification(
  n: number,
  options: MinimumCallsOptions = {},
): MinimumCalls {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`batch size must be a positive integer, got ${n}`);
  const transactions = options.transactionsPerSignup ?? 1;
  const sendBatch = options.sendBatchEntries ?? 10;
  const deleteBatch = options.deleteBatchItems ?? 25;
  const ledger = options.ledgerCallsPerNotification ?? 2;
  const sender = options.sendsPerNotification ?? 1;
  const relaySend = Math.ceil(n / sendBatch) / n;
  const relayDelete = Math.ceil(n / deleteBatch) / n;
  return {
    batchSize: n,
    producer: transactions,
    relaySend,
    relayDelete,
    ledger,
    sender,
    total: transactions + relaySend + relayDelete + ledger + sender,
    formula: `${transactions} + ceil(n/${sendBatch})/n + ceil(n/${deleteBatch})/n + ${ledger} + ${sender}`,
  };
}
