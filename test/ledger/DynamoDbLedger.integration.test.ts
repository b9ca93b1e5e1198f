import { randomUUID } from 'node:crypto';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbLedger } from '../../lambdas/ledger/DynamoDbLedger.ts';
import { ClaimLostError } from '../../lambdas/ledger/errors.ts';
import { createLedgerTable } from '../../lambdas/local/createTables.ts';
import { LOCAL_AWS_CONFIG } from '../../lambdas/local/DynamoDbLocal.ts';
import { EVENT_ID } from '../helpers/events.ts';

// The run shares one DynamoDB Local (test/globalSetup.integration.ts): a table of our own.
const TABLE = `ledger-${randomUUID()}`;
// Provided only by the integration global setup; under the unit config these tests do not
// run (the client would otherwise go to real AWS).
const endpoint = inject('dynamoDbEndpoint');
let client: DynamoDBClient;

beforeAll(async () => {
  if (!endpoint) return;
  client = new DynamoDBClient({ ...LOCAL_AWS_CONFIG, endpoint });
  await createLedgerTable(client, TABLE);
});

afterAll(() => {
  client?.destroy();
});

/** One Lambda instance's ledger: its own owner tokens, the shared table. */
function instance(clock: () => number = Date.now): DynamoDbLedger {
  return new DynamoDbLedger({ tableName: TABLE, client, clock });
}

describe.skipIf(!endpoint)('DynamoDbLedger on DynamoDB Local', () => {
  it('gives exactly one of many concurrent claims the notification', async () => {
    const id = `${EVENT_ID}:race`;
    const workers = Array.from({ length: 8 }, () => instance());

    const outcomes = await Promise.all(workers.map((w) => w.claim(id, Date.now() + 30_000)));

    expect(outcomes.filter((o) => o === 'claimed')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'in-progress')).toHaveLength(7);
  });

  it('answers completed to every claim after completion, and stores the provider id', async () => {
    const id = `${EVENT_ID}:done`;
    const a = instance();
    await a.claim(id, Date.now() + 30_000);
    await a.complete(id, { providerMessageId: 'ses-42' });

    const outcomes = await Promise.all(
      [a, instance()].map((w) => w.claim(id, Date.now() + 30_000)),
    );
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
    const takeover = await fresh.claim(id, now + 30_000);
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

    expect(await instance().claim(id, Date.now() + 30_000)).toBe('claimed');
  });

  it('consumes one write unit per successful call', async () => {
    const id = `${EVENT_ID}:cost`;
    const a = instance();

    await a.claim(id, Date.now() + 30_000);
    await a.complete(id, { providerMessageId: 'x'.repeat(60) });

    expect(a.stats().writeUnits).toBe(2);
  });
});
