import type { ListPrices } from './listPrices.ts';

/** One Lambda function's share of the work, per notification. */
export interface LambdaUsage {
  readonly name: string;
  /** Invocations per notification (1/10 for a consumer that gets batches of 10). */
  readonly invocationsPerNotification: number;
  /** Handler duration of one invocation, ms; Lambda bills it rounded up to the next ms. */
  readonly durationMs: number;
  readonly memoryMb: number;
}

/** What one notification costs in billed units, from measured counts and durations. */
export interface UsagePerNotification {
  readonly writeRequestUnits: number;
  /** Billed stream read request units (0 when only a Lambda trigger reads the stream). */
  readonly streamReadRequestUnits: number;
  /** Billed SQS requests: sends, the event source mapping's receives and deletes, retries. */
  readonly sqsRequests: number;
  readonly lambdas: readonly LambdaUsage[];
  /** SES emails sent (1 per welcome email). */
  readonly emails: number;
}

/** One line of the cost table. */
export interface CostLine {
  readonly item: string;
  /** Billed units per million notifications. */
  readonly unitsPerMillion: number;
  readonly unit: string;
  /** USD per million notifications. */
  readonly usd: number;
}

/** The cost of a million notifications, line by line; SES's per-email fee is kept apart. */
export interface CostPerMillion {
  readonly lines: readonly CostLine[];
  /** Everything but SES: what Tidings' plumbing adds to each email. */
  readonly plumbingUsd: number;
  readonly sesUsd: number;
  readonly totalUsd: number;
}

const MILLION = 1_000_000;

function nonNegative(name: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  }
  return value;
}

/**
 * USD per million notifications at list prices: DynamoDB writes, billed stream reads, SQS
 * requests, Lambda requests and GB-seconds (duration rounded up to 1 ms, memory in GB = MB /
 * 1024), and SES's per-email fee on its own line.
 *
 * @throws RangeError for a negative or non-finite input.
 * @example costPerMillion({ writeRequestUnits: 7, ... }, LIST_PRICES).plumbingUsd
 */
export function costPerMillion(usage: UsagePerNotification, prices: ListPrices): CostPerMillion {
  const wru = nonNegative('writeRequestUnits', usage.writeRequestUnits) * MILLION;
  const rru = nonNegative('streamReadRequestUnits', usage.streamReadRequestUnits) * MILLION;
  const sqs = nonNegative('sqsRequests', usage.sqsRequests) * MILLION;
  const emails = nonNegative('emails', usage.emails) * MILLION;
  const lines: CostLine[] = [
    {
      item: 'DynamoDB writes',
      unitsPerMillion: wru,
      unit: 'WRU',
      usd: (wru / MILLION) * prices.dynamoDbPerMillionWriteRequestUnits,
    },
    {
      item: 'DynamoDB stream reads',
      unitsPerMillion: rru,
      unit: 'stream RRU',
      usd: (rru / MILLION) * prices.dynamoDbStreamsPerMillionReadRequestUnits,
    },
    {
      item: 'SQS requests',
      unitsPerMillion: sqs,
      unit: 'requests',
      usd: (sqs / MILLION) * prices.sqsPerMillionRequests,
    },
  ];
  for (const lambda of usage.lambdas) {
    const invocations =
      nonNegative(`${lambda.name} invocationsPerNotification`, lambda.invocationsPerNotification) *
      MILLION;
    const billedMs = Math.ceil(nonNegative(`${lambda.name} durationMs`, lambda.durationMs));
    const gb = nonNegative(`${lambda.name} memoryMb`, lambda.memoryMb) / 1024;
    const gbSeconds = invocations * (billedMs / 1000) * gb;
    lines.push(
      {
        item: `Lambda ${lambda.name} requests`,
        unitsPerMillion: invocations,
        unit: 'invocations',
        usd: (invocations / MILLION) * prices.lambdaPerMillionRequests,
      },
      {
        item: `Lambda ${lambda.name} compute (${billedMs} ms x ${lambda.memoryMb} MB)`,
        unitsPerMillion: gbSeconds,
        unit: 'GB-s',
        usd: gbSeconds * prices.lambdaArmPerGbSecond,
      },
    );
  }
  const plumbingUsd = lines.reduce((sum, line) => sum + line.usd, 0);
  const sesUsd = (emails / 1000) * prices.sesPerThousandEmails;
  lines.push({ item: 'SES emails', unitsPerMillion: emails, unit: 'emails', usd: sesUsd });
  return { lines, plumbingUsd, sesUsd, totalUsd: plumbingUsd + sesUsd };
}
