import { describe, expect, it } from 'vitest';
import { standardWriteUnits, transactionWriteUnits } from '../../bench/writeUnits.ts';

describe('transactionWriteUnits', () => {
  it('bills transactional items at 2 units per KB and the outbox item one more for its index entry', () => {
    // Arrange
    const items = [
      { pk: 'USER#1', sk: 'PROFILE', kind: 'user', email: 'a@example.com' },
      { pk: 'EMAIL#a@example.com', sk: 'EMAIL', kind: 'userEmail' },
      { pk: 'OUTBOX#1', sk: 'OUTBOX', kind: 'outbox', pendingShard: 'pending#1' },
    ];

    // Act
    const units = transactionWriteUnits(items);

    // Assert
    expect(units).toEqual({ outbox: 3, business: 4 });
  });

  it('counts every started KB of a large item twice', () => {
    // Act
    const units = transactionWriteUnits([{ pk: 'X', kind: 'doc', text: 'x'.repeat(1500) }]);

    // Assert
    expect(units.business).toBe(4);
  });
});

describe('standardWriteUnits', () => {
  it('bills at least one unit and one per started KB', () => {
    expect([standardWriteUnits(0), standardWriteUnits(1024), standardWriteUnits(1025)]).toEqual([
      1, 1, 2,
    ]);
  });
});
