/**
 * `npx tsx bench/tableLayout.ts [--transactions=200]`: the two table layouts compared on
 * DynamoDB Local, for docs/table-layout.md. Not part of `npm run bench`.
 *
 * - single table: the business items and the outbox items in one Tidings table;
 * - dedicated outbox table: the business items in the caller's own table (key `id`, no
 *   stream, no index), the outbox items in a Tidings table; one `TransactWriteItems` spans both.
 *
 * For each layout and for one or two business items per transaction (the example app writes
 * two: the user and the email claim) it commits the transactions, relays them with the stream
 * relay behind the event source mapping's filter (batch size 100, the construct's default),
 * then reads the relay's stream once more, unfiltered, to count what it carried.
 */
import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { z } from 'zod';
import { DynamoDbPendingOutbox } from '../lambdas/aws/DynamoDbPendingOutbox.ts';
import {
  createTransactWriteClient,
  DynamoDbTransactWriter,
} from '../lambdas/aws/DynamoDbTransactWriter.ts';
import { streamRecordDeadLetters } from '../lambdas/aws/deadLetter.ts';
import { relayStreamRecords } from '../lambdas/aws/streamRelay.ts';
import { createTidingsTable } from '../lambdas/local/createTables.ts';
import { LOCAL_AWS_CONFIG, startDynamoDbLocal } from '../lambdas/local/DynamoDbLocal.ts';
import { StreamPoller } from '../lambdas/local/StreamPoller.ts';
import { defineOutbox } from '../lambdas/outbox/defineOutbox.ts';
import { isOutboxPartitionKey } from '../lambdas/outbox/outboxItem.ts';
import {
  outboxTransactItem,
  transactWriteWithOutbox,
} from '../lambdas/outbox/outboxTransactItem.ts';
import { OUTBOX_STREAM_FILTER } from '../lambdas/outbox/tableDefinition.ts';
import type { TransactItems } from '../lambdas/ports.ts';
import { MemoryQueue } from '../lambdas/queue/MemoryQueue.ts';
import { BenchMeasurementError } from './errors.ts';
import { formatTable } from './formatTable.ts';
import { transactionWriteUnits } from './writeUnits.ts';

/** Where the business items live relative to the outbox items. */
export const TableLayout = {
  SINGLE: 'single table',
  DEDICATED: 'dedicated outbox table',
} as const;
export type TableLayout = (typeof TableLayout)[keyof typeof TableLayout];

/** The records a stream carried, by what they are. */
export interface StreamRecordCounts {
  readonly businessInserts: number;
  readonly outboxInserts: number;
  readonly outboxRemoves: number;
  /** Anything else: business MODIFYs and REMOVEs (none in this workload). */
  readonly other: number;
  readonly total: number;
}

/** Counts stream records by kind: an outbox item's key starts with `OUTBOX#`. */
export function countStreamRecords(records: readonly DynamoDBRecord[]): StreamRecordCounts {
  let businessInserts = 0;
  let outboxInserts = 0;
  let outboxRemoves = 0;
  let other = 0;
  for (const record of records) {
    const outbox = isOutboxPartitionKey(record.dynamodb?.Keys?.pk?.S ?? '');
    if (outbox && record.eventName === 'INSERT') outboxInserts++;
    else if (outbox && record.eventName === 'REMOVE') outboxRemoves++;
    else if (!outbox && record.eventName === 'INSERT') businessInserts++;
    else other++;
  }
  return { businessInserts, outboxInserts, outboxRemoves, other, total: records.length };
}

/** One table's share of a response's `ConsumedCapacity` (`ReturnConsumedCapacity: INDEXES`). */
interface ConsumedCapacityLike {
  readonly TableName?: string;
  readonly CapacityUnits?: number;
  readonly Table?: { readonly CapacityUnits?: number };
  readonly GlobalSecondaryIndexes?: Readonly<Record<string, { readonly CapacityUnits?: number }>>;
}

/** Write units by table, the table itself and its indexes apart. */
export type WriteUnitsByTable = Record<string, { table: number; indexes: number }>;

/** Adds a response's consumed capacity to a running total by table. */
export function addConsumedCapacity(
  total: WriteUnitsByTable,
  consumed: readonly ConsumedCapacityLike[] | ConsumedCapacityLike | undefined,
): void {
  const entries = consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed];
  for (const entry of entries as readonly ConsumedCapacityLike[]) {
    const name = entry.TableName ?? '?';
    const indexes = Object.values(entry.GlobalSecondaryIndexes ?? {}).reduce(
      (sum, index) => sum + (index.CapacityUnits ?? 0),
      0,
    );
    const table = entry.Table?.CapacityUnits ?? (entry.CapacityUnits ?? 0) - indexes;
    const row = total[name] ?? { table: 0, indexes: 0 };
    row.table += table;
    row.indexes += indexes;
    total[name] = row;
  }
}

/** What one layout cost for `transactions` signups. */
export interface LayoutFigures {
  readonly layout: TableLayout;
  readonly transactions: number;
  readonly businessItemsPerTransaction: number;
  /** Records on the stream the relay's event source mapping reads. */
  readonly streamRecords: StreamRecordCounts;
  /** Relay invocations and the records they were handed. */
  readonly relayInvocations: number;
  readonly relayRecords: number;
  /** Records the mapping read and its filter discarded. */
  readonly filtered: number;
  /**
   * Write units per transaction from item sizes, as bench/writeUnits.ts counts them: 2 per
   * started KB of each item, and 1 for the outbox item's pending-index entry.
   */
  readonly transactionWriteUnits: { readonly business: number; readonly outbox: number };
  /**
   * What DynamoDB Local reports for the same transactions (`ReturnConsumedCapacity`). Not
   * used: it undercounts transactions (three 100-byte Puts in one table: 2 units, not 6).
   */
  readonly localReportedTransactionWriteUnits: number;
  /** Write units of the relay's delete of one outbox item (table and index) per DynamoDB Local. */
  readonly deleteWriteUnits: number;
}

/** Options of `measureTableLayout`. */
export interface MeasureTableLayoutOptions {
  /** DynamoDB Local's endpoint. */
  readonly endpoint: string;
  readonly layout: TableLayout;
  readonly transactions: number;
  /** 1: the user only; 2: the user and the email claim. */
  readonly businessItems: 1 | 2;
}

const QUEUE_NAME = 'notifications';

const signups = defineOutbox({
  name: 'signups',
  schema: z.object({ userId: z.string(), email: z.string(), name: z.string() }),
});

/**
 * Commits `transactions` signups in one layout, relays them, and counts what the relay's
 * stream carried and what the writes consumed.
 *
 * @throws BenchMeasurementError when the relay did not deliver every event once.
 */
export async function measureTableLayout(
  options: MeasureTableLayoutOptions,
): Promise<LayoutFigures> {
  const local = { ...LOCAL_AWS_CONFIG, endpoint: options.endpoint };
  const dynamodb = new DynamoDBClient(local);
  const streams = new DynamoDBStreamsClient(local);
  const client = createTransactWriteClient(local);
  const consumed: Record<string, WriteUnitsByTable> = {};
  recordConsumedCapacity(client, consumed);
  try {
    const suffix = randomUUID().slice(0, 8);
    const outboxTable = `layout-outbox-${suffix}`;
    const { streamArn } = await createTidingsTable(dynamodb, outboxTable);
    const businessTable =
      options.layout === TableLayout.SINGLE ? outboxTable : `layout-users-${suffix}`;
    if (options.layout === TableLayout.DEDICATED) {
      await dynamodb.send(
        new CreateTableCommand({
          TableName: businessTable,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        }),
      );
    }

    const writer = new DynamoDbTransactWriter({ client });
    const estimate = { business: 0, outbox: 0 };
    for (let i = 0; i < options.transactions; i++) {
      const userId = randomUUID();
      const email = `user${i}-${suffix}@example.com`;
      const items = businessItems(options, businessTable, userId, email).slice(
        0,
        options.businessItems,
      );
      const outbox = outboxTransactItem({
        tableName: outboxTable,
        outbox: signups,
        eventType: 'user.registered',
        payload: { userId, email, name: `User ${i}` },
      });
      await transactWriteWithOutbox(writer, items, outbox);
      const units = transactionWriteUnits([
        ...items.map((item) => item.Put?.Item ?? {}),
        outbox.outboxItem as unknown as Record<string, unknown>,
      ]);
      estimate.business += units.business;
      estimate.outbox += units.outbox;
    }

    const queue = new MemoryQueue({ name: QUEUE_NAME });
    const pending = new DynamoDbPendingOutbox({ tableName: outboxTable, client });
    const relay = new StreamPoller({
      streamArn,
      streamsClient: streams,
      filter: OUTBOX_STREAM_FILTER,
      batchSize: 100,
      handler: async (event) =>
        (
          await relayStreamRecords(event, {
            queue,
            deadLetters: streamRecordDeadLetters(new MemoryQueue({ name: 'relay-dlq' })),
            outbox: pending,
            outboxes: [signups],
          })
        ).response,
    });
    // Drained until nothing is new: the relay's deletes come back as REMOVEs and are read too.
    const relayed = await relay.drain();
    const seen: DynamoDBRecord[] = [];
    await new StreamPoller({
      streamArn,
      streamsClient: streams,
      handler: async (event) => {
        seen.push(...event.Records);
      },
    }).drain();

    const streamRecords = countStreamRecords(seen);
    const delivered = queue.stats();
    if (
      relayed.records !== options.transactions ||
      streamRecords.outboxRemoves !== options.transactions ||
      delivered.visible !== options.transactions
    ) {
      throw new BenchMeasurementError(
        `${options.layout}: ${options.transactions} transactions, but the relay was handed ` +
          `${relayed.records} records, deleted ${streamRecords.outboxRemoves} and queued ${delivered.visible}`,
      );
    }
    const n = options.transactions;
    const sum = (byTable: WriteUnitsByTable | undefined, part: 'table' | 'indexes') =>
      Object.values(byTable ?? {}).reduce((total, row) => total + row[part], 0);
    const transact = consumed.TransactWriteItems;
    const deletes = consumed.BatchWriteItem;
    return {
      layout: options.layout,
      transactions: n,
      businessItemsPerTransaction: options.businessItems,
      streamRecords,
      relayInvocations: relayed.invoked,
      relayRecords: relayed.records,
      filtered: relayed.filtered,
      transactionWriteUnits: { business: estimate.business / n, outbox: estimate.outbox / n },
      localReportedTransactionWriteUnits: (sum(transact, 'table') + sum(transact, 'indexes')) / n,
      deleteWriteUnits: (sum(deletes, 'table') + sum(deletes, 'indexes')) / n,
    };
  } finally {
    client.destroy();
    streams.destroy();
    dynamodb.destroy();
  }
}

/** The signup's business items, shaped for the table they go to. */
function businessItems(
  options: MeasureTableLayoutOptions,
  tableName: string,
  userId: string,
  email: string,
): TransactItems {
  const createdAt = new Date().toISOString();
  // The single table is keyed by pk/sk, the caller's own table by id; the attributes match.
  const key = (pk: string, sk: string) =>
    options.layout === TableLayout.SINGLE ? { pk, sk } : { id: pk };
  const condition =
    options.layout === TableLayout.SINGLE ? 'attribute_not_exists(pk)' : 'attribute_not_exists(id)';
  return [
    {
      Put: {
        TableName: tableName,
        Item: { ...key(`USER#${userId}`, 'PROFILE'), kind: 'user', userId, email, createdAt },
        ConditionExpression: condition,
      },
    },
    {
      Put: {
        TableName: tableName,
        Item: { ...key(`EMAIL#${email}`, 'EMAIL'), kind: 'userEmail', email, userId, createdAt },
        ConditionExpression: condition,
      },
    },
  ];
}

/**
 * Asks every request of the client for `ReturnConsumedCapacity: INDEXES` and adds what comes
 * back to `into[command][table]`.
 */
function recordConsumedCapacity(
  client: DynamoDBDocumentClient,
  into: Record<string, WriteUnitsByTable>,
): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'INDEXES';
      const result = await next(args);
      const command = String(context.commandName ?? '?').replace(/Command$/, '');
      const byTable = into[command] ?? {};
      addConsumedCapacity(
        byTable,
        (result.output as { ConsumedCapacity?: ConsumedCapacityLike[] }).ConsumedCapacity,
      );
      into[command] = byTable;
      return result;
    },
    { step: 'initialize', name: 'benchRecordConsumedCapacity' },
  );
}

/** The figures of every layout, one row each, for the console. */
export function formatLayoutFigures(figures: readonly LayoutFigures[]): string {
  return formatTable(
    [
      'layout',
      'business items/tx',
      'stream: business INSERT',
      'outbox INSERT',
      'outbox REMOVE',
      'total',
      'filtered out',
      'relay invocations',
      'relay records',
      'WRU/tx business',
      'WRU/tx outbox',
      'WRU/relay delete',
    ],
    figures.map((f) => [
      f.layout,
      f.businessItemsPerTransaction,
      f.streamRecords.businessInserts,
      f.streamRecords.outboxInserts,
      f.streamRecords.outboxRemoves,
      f.streamRecords.total,
      f.filtered,
      f.relayInvocations,
      f.relayRecords,
      f.transactionWriteUnits.business,
      f.transactionWriteUnits.outbox,
      f.deleteWriteUnits,
    ]),
  );
}

/** Runs both layouts with one and two business items per transaction and prints the table. */
async function main(args: readonly string[]): Promise<void> {
  const flag = args.find((arg) => arg.startsWith('--transactions='));
  const transactions = flag ? Number(flag.slice('--transactions='.length)) : 200;
  if (!Number.isInteger(transactions) || transactions < 1) {
    throw new TypeError(`--transactions must be a positive integer, got "${flag}"`);
  }
  const ddb = await startDynamoDbLocal();
  try {
    const figures: LayoutFigures[] = [];
    for (const businessItems of [2, 1] as const) {
      for (const layout of [TableLayout.SINGLE, TableLayout.DEDICATED]) {
        figures.push(
          await measureTableLayout({ endpoint: ddb.endpoint, layout, transactions, businessItems }),
        );
      }
    }
    const reported = figures.map((f) => f.localReportedTransactionWriteUnits).join(', ');
    process.stdout.write(
      `${transactions} transactions per row, DynamoDB Local, relay batch size 100\n\n` +
        `${formatLayoutFigures(figures)}\n\n` +
        'WRU/tx from item sizes (bench/writeUnits.ts). DynamoDB Local reported ' +
        `${reported} per transaction for the rows above; it undercounts transactions.\n`,
    );
  } finally {
    await ddb.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  });
}
