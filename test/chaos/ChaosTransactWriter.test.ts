import { describe, expect, it } from 'vitest';
import { ChaosTransactWriter } from '../../chaos/ChaosTransactWriter.ts';
import { FaultSite, Faults } from '../../chaos/faults.ts';
import { TransactionContentionError } from '../../lambdas/aws/errors.ts';
import { TransactionCanceledError } from '../../lambdas/outbox/errors.ts';
import { MemoryOutboxStore } from '../../lambdas/outbox/MemoryOutboxStore.ts';
import type { TransactItems } from '../../lambdas/ports.ts';

const items: TransactItems = [
  {
    Put: {
      TableName: 't',
      Item: { pk: 'USER#1', sk: 'PROFILE' },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  },
];

function writer(site: FaultSite) {
  const store = new MemoryOutboxStore();
  const commits: TransactItems[] = [];
  const chaos = new ChaosTransactWriter({
    store,
    faults: new Faults(1, 1, [site]),
    onCommit: (applied) => commits.push(applied),
  });
  return { store, commits, chaos };
}

describe('ChaosTransactWriter', () => {
  it('answers a retry of a committed token with success, without applying it again', async () => {
    const { store, commits, chaos } = writer(FaultSite.TRANSACT_RESPONSE_LOST);

    await chaos.transactWrite(items, { clientRequestToken: 'token-1' });

    expect(commits).toHaveLength(1);
    expect(store.get({ pk: 'USER#1', sk: 'PROFILE' })).toBeDefined();
  });

  it('fails a lost response retried without a token on its own condition, as DynamoDB would', async () => {
    const { commits, chaos } = writer(FaultSite.TRANSACT_RESPONSE_LOST);

    await expect(chaos.transactWrite(items)).rejects.toBeInstanceOf(TransactionCanceledError);
    expect(commits).toHaveLength(1);
  });

  it('gives up after five rejected attempts with a transient error, having written nothing', async () => {
    const { store, commits, chaos } = writer(FaultSite.TRANSACT_REJECTED);

    const error = await chaos.transactWrite(items, { clientRequestToken: 't' }).catch((e) => e);

    expect(error).toHaveProperty('permanent', false);
    expect([TransactionContentionError.name, 'DynamoDbRequestError']).toContain(error.name);
    expect(commits).toHaveLength(0);
    expect(store.get({ pk: 'USER#1', sk: 'PROFILE' })).toBeUndefined();
  });
});
