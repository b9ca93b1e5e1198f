import { describe, expect, it } from 'vitest';
import { CALL_BUDGET, minimumCallsPerNotification } from '../../bench/minimumCalls.ts';

describe('minimumCallsPerNotification', () => {
  it('equals the budget of 4.2 at a batch of 10: 1 + 0.1 + 0.1 + 2 + 1', () => {
    // Act
    const minimum = minimumCallsPerNotification(CALL_BUDGET.batchSize);

    // Assert
    expect(minimum).toMatchObject({
      producer: 1,
      relaySend: 0.1,
      relayDelete: 0.1,
      ledger: 2,
      sender: 1,
    });
    expect(minimum.total).toBeCloseTo(CALL_BUDGET.maxCallsPerNotification, 10);
  });

  it('charges a lone signup a whole SendMessageBatch and a whole BatchWriteItem', () => {
    expect(minimumCallsPerNotification(1).total).toBe(6);
  });

  it('rounds partial batches up: 100 signups need 10 sends and 4 deletes', () => {
    // Act
    const minimum = minimumCallsPerNotification(100);

    // Assert
    expect(minimum.relaySend).toBeCloseTo(0.1, 10);
    expect(minimum.relayDelete).toBeCloseTo(0.04, 10);
    expect(minimum.total).toBeCloseTo(4.14, 10);
  });

  it('follows changed limits and per-notification work', () => {
    // Act
    const minimum = minimumCallsPerNotification(20, {
      sendBatchEntries: 5,
      deleteBatchItems: 20,
      ledgerCallsPerNotification: 0,
    });

    // Assert
    expect(minimum.total).toBeCloseTo(1 + 4 / 20 + 1 / 20 + 0 + 1, 10);
    expect(minimum.formula).toBe('1 + ceil(n/5)/n + ceil(n/20)/n + 0 + 1');
  });

  it('refuses a batch size that is not a positive integer', () => {
    expect(() => minimumCallsPerNotification(0)).toThrow(/got 0/);
    expect(() => minimumCallsPerNotification(2.5)).toThrow(RangeError);
  });
});
