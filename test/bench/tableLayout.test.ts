import { describe, expect, it } from 'vitest';
import {
  addConsumedCapacity,
  countStreamRecords,
  type WriteUnitsByTable,
} from '../../bench/tableLayout.ts';
import { outboxKey } from '../../lambdas/outbox/outboxItem.ts';
import { makeEvent } from '../helpers/events.ts';
import { makeOutboxStreamRecord, makeStreamRecord } from '../helpers/streams.ts';

describe('countStreamRecords', () => {
  it('tells outbox INSERTs and REMOVEs from business records by the outbox key', () => {
    // Arrange
    const event = makeEvent();
    const records = [
      makeStreamRecord({ newImage: { pk: 'USER#1', sk: 'PROFILE' } }),
      makeStreamRecord({ newImage: { pk: 'EMAIL#a@example.com', sk: 'EMAIL' } }),
      makeOutboxStreamRecord(event),
      makeStreamRecord({ eventName: 'REMOVE', oldImage: outboxKey(event.eventId) }),
      makeStreamRecord({ eventName: 'MODIFY', newImage: { pk: 'USER#1', sk: 'PROFILE' } }),
    ];

    // Act
    const counts = countStreamRecords(records);

    // Assert
    expect(counts).toEqual({
      businessInserts: 2,
      outboxInserts: 1,
      outboxRemoves: 1,
      other: 1,
      total: 5,
    });
  });
});

describe('addConsumedCapacity', () => {
  it('adds table and index units per table, over responses with one entry or several', () => {
    // Arrange
    const total: WriteUnitsByTable = {};

    // Act
    addConsumedCapacity(total, [
      {
        TableName: 'outbox',
        CapacityUnits: 4,
        Table: { CapacityUnits: 2 },
        GlobalSecondaryIndexes: { 'outbox-pending': { CapacityUnits: 2 } },
      },
      { TableName: 'users', CapacityUnits: 4, Table: { CapacityUnits: 4 } },
    ]);
    addConsumedCapacity(total, { TableName: 'outbox', CapacityUnits: 3 });
    addConsumedCapacity(total, undefined);

    // Assert: an entry without the Table detail counts whole for the table.
    expect(total).toEqual({ outbox: { table: 5, indexes: 2 }, users: { table: 4, indexes: 0 } });
  });
});
