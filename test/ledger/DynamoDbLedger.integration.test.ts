import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbLedger } from '../../lambdas/ledger/DynamoDbLedger.ts';
import { ClaimLostError } from '../../lambdas/ledger/errors.ts';
import { createLedgerTable } from '../../lambdas/local/createTables.ts';
import { uniqueTableName, useLocalAws } from '../helpers/dynamodbLocal.ts';
import { EVENT_ID } from '../helpers/events.ts';

// The run's shared DynamoDB Local, or one of the file's own when it runs without the global
// setup: never skipped, never real AWS. A table of our own, since the run shares it.
const local = useLocalAws();
const TABLE = uniqueTableName('ledger');
let client: DynamoDBClient;

beforeAll(async () => {
  client = local().dynamoDb;
  await createLedgerTable(client, TABLE);
});

/** One Lambda instance's ledger: its own owner tokens, the shared table. */
function instance(clock: () => number = Date.now): DynamoDbLedger {
  return new DynamoDbLedger({ tableName: TABLE, client, clock });
}

describe('DynamoDbLedger on DynamoDB Local', () => {
  it('gives exactly one of many concurrent claims the notification', async () => {
    const id = `${EVENT_ID}:race`;
    const workers = Array.from({ length: 8 }, () => instance());

    const answers = await Promise.all(workers.map((w) => w.claim(id, Date.now() + 30_000)));
    const outcomes = answers.map((answer) => answer.outcome);

    expect(outcomes.filter((o) => o === 'claimed')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'in-progress')).toHaveLength(7);
  });

  it('answers completed to every claim after completion, and stores the provider id', async () => {
    const id = `${EVENT_ID}:done`;
    const a = instance();
    await a.claim(id, Date.now() + 30_000);
    await a.complete(id, { providerMessageId: 'ses-42' });

    const answers = await Promise.all([a, instance()].map((w) => w.claim(id, Date.now() + 30_000)));
    const outcomes = answers.map((answer) => answer.outcome);
    const stored = await client.send(
      new GetItemCommand({ TableName: TABLE, Key: { pk: { S: id } } }),
    );

    expect(outcomes).toEqual(['completed', 'completed']);
    expect(stored.Item).toMatchObject({
      status: { S: 'completed' },
      providerMessageId: { S: 'ses-42' },
    });
    expect(stored.Item?.leaseUntil).toBeUndefined();
  });

  it('lets a worker take over an expired lease and stops the stale worker completing it', async () => {
    const id = `${EVENT_ID}:takeover`;
    let now = Date.now();
    const stale = instance(() => now);
    const fresh = instance(() => now);
    await stale.claim(id, now + 1_000);

    now += 1_001;
    const { outcome: takeover } = await fresh.claim(id, now + 30_000);
    const staleComplete = await stale.complete(id, {}).catch((error: unknown) => error);

    expect(takeover).toBe('claimed');
    expect(staleComplete).toBeInstanceOf(ClaimLostError);
    await expect(fresh.complete(id, {})).resolves.toBeUndefined();
  });

  it('frees a released claim for the next worker at once', async () => {
    const id = `${EVENT_ID}:release`;
    const a = instance();
    await a.claim(id, Date.now() + 30_000);

    await a.release(id);

    expect((await instance().claim(id, Date.now() + 30_000)).outcome).toBe('claimed');
  });

  it('consumes one write unit per successful call', async () => {
    const id = `${EVENT_ID}:cost`;
    const a = instance();

    await a.claim(id, Date.now() + 30_000);
    await a.complete(id, { providerMessageId: 'x'.repeat(60) });

    expect(a.stats().writeUnits).toBe(2);
  });
});
