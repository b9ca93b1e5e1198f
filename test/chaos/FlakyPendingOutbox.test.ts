import { describe, expect, it } from 'vitest';
import { FlakyPendingOutbox } from '../../chaos/ChaosRelay.ts';
import { FaultSite, Faults } from '../../chaos/faults.ts';
import { MemoryOutboxStore } from '../../lambdas/outbox/MemoryOutboxStore.ts';
import { outboxKey, toOutboxItem } from '../../lambdas/outbox/outboxItem.ts';
import { eventIds, makeEvent } from '../helpers/events.ts';

describe('FlakyPendingOutbox', () => {
  it('sets items aside in the wrapped outbox, so they leave the pending list and stay in the table', async () => {
    // Arrange
    const [id] = eventIds(1) as [string];
    const store = new MemoryOutboxStore();
    const item = toOutboxItem(makeEvent({ eventId: id }), {
      name: 'users',
    });
    await store.transactWrite([{ Put: { TableName: 't', Item: { ...item } } }]);
    const flaky = new FlakyPendingOutbox(store, new Faults(1, 1, [FaultSite.OUTBOX_DELETE]));

    // Act
    await flaky.setAside([outboxKey(id)]);

    // Assert
    const later = new Date(Date.parse(item.occurredAt) + 60_000).toISOString();
    expect(await flaky.listPending({ olderThan: later, limit: 10 })).toEqual([]);
    expect(store.get(outboxKey(id))).toBeDefined();
  });
});
