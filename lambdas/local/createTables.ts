import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  type TableDescription,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { LEDGER_TABLE_DEFINITION, TABLE_DEFINITION } from '../outbox/tableDefinition.ts';
import { LocalServiceStartError } from './DynamoDbLocal.ts';

/** A table created locally and ready to use. */
export interface CreatedTable {
  readonly tableName: string;
  readonly tableArn: string;
}

/** The Tidings table, with the ARN of its stream for the stream poller. */
export interface CreatedTidingsTable extends CreatedTable {
  readonly streamArn: string;
}

/** Options of the `create*Table` functions. */
export interface CreateTableOptions {
  /** How long to wait for the table and its indexes to be ACTIVE. @default 30000 */
  readonly timeoutMs?: number;
}

/**
 * Creates the Tidings table from `TABLE_DEFINITION` (keys, on-demand billing, a NEW_IMAGE
 * stream, the sparse pending index, TTL) and waits until it and its index are ACTIVE, so the
 * local table is the one the CDK construct deploys.
 *
 * @returns the table's ARN and its stream's ARN.
 * @throws LocalServiceStartError when the table is not ACTIVE within `timeoutMs`; SDK errors
 *   (e.g. `ResourceInUseException` for a name already taken) as they are.
 */
export async function createTidingsTable(
  client: DynamoDBClient,
  tableName: string,
  options: CreateTableOptions = {},
): Promise<CreatedTidingsTable> {
  const def = TABLE_DEFINITION;
  const index = def.pendingIndex;
  const attributes = new Map<string, AttributeDefinition>();
  for (const key of [def.partitionKey, def.sortKey, index.partitionKey, index.sortKey]) {
    attributes.set(key.name, { AttributeName: key.name, AttributeType: key.type });
  }
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...attributes.values()],
      KeySchema: [
        { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
        { AttributeName: def.sortKey.name, KeyType: 'RANGE' },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: def.streamViewType },
      GlobalSecondaryIndexes: [
        {
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: index.projection },
        },
      ],
    }),
  );
  const table = await waitUntilActive(client, tableName, options.timeoutMs ?? 30_000);
  await enableTimeToLive(client, tableName, def.timeToLiveAttribute);
  if (!table.LatestStreamArn) {
    throw new LocalServiceStartError(
      'DynamoDB Local',
      `table "${tableName}" was created without a stream`,
      '',
    );
  }
  return { tableName, tableArn: table.TableArn ?? '', streamArn: table.LatestStreamArn };
}

/**
 * Creates the idempotency ledger table from `LEDGER_TABLE_DEFINITION` (string `pk`, on-demand
 * billing, TTL) and waits until it is ACTIVE.
 *
 * @throws LocalServiceStartError when the table is not ACTIVE within `timeoutMs`.
 */
export async function createLedgerTable(
  client: DynamoDBClient,
  tableName: string,
  options: CreateTableOptions = {},
): Promise<CreatedTable> {
  const key = LEDGER_TABLE_DEFINITION.partitionKey;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: key.name, AttributeType: key.type }],
      KeySchema: [{ AttributeName: key.name, KeyType: 'HASH' }],
    }),
  );
  const table = await waitUntilActive(client, tableName, options.timeoutMs ?? 30_000);
  await enableTimeToLive(client, tableName, LEDGER_TABLE_DEFINITION.timeToLiveAttribute);
  return { tableName, tableArn: table.TableArn ?? '' };
}

async function enableTimeToLive(
  client: DynamoDBClient,
  tableName: string,
  attributeName: string,
): Promise<void> {
  // DynamoDB Local accepts UpdateTimeToLive and reports it in DescribeTimeToLive.
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { Enabled: true, AttributeName: attributeName },
    }),
  );
}

async function waitUntilActive(
  client: DynamoDBClient,
  tableName: string,
  timeoutMs: number,
): Promise<TableDescription> {
  const deadline = performance.now() + timeoutMs;
  let last: TableDescription | undefined;
  while (performance.now() < deadline) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    last = Table;
    const indexesActive = (Table?.GlobalSecondaryIndexes ?? []).every(
      (gsi) => gsi.IndexStatus === 'ACTIVE',
    );
    if (Table?.TableStatus === 'ACTIVE' && indexesActive) return Table;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new LocalServiceStartError(
    'DynamoDB Local',
    `table "${tableName}" not ACTIVE within ${timeoutMs} ms (status ${last?.TableStatus ?? 'unknown'})`,
    '',
  );
}
