import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { chaosClock } from '../../chaos/clock.ts';
import { SimulatedStream } from '../../chaos/SimulatedStream.ts';
import type { TransactItems } from '../../lambdas/ports.ts';

function outboxPut(n: number): TransactItems[number] {
  return {
    Put: { TableName: 't', Item: { pk: `OUTBOX#${n}`, sk: 'OUTBOX', kind: 'outbox', n } },
  };
}
const userPut: TransactItems[number] = {
  Put: { TableName: 't', Item: { pk: 'USER#1', sk: 'PROFILE', kind: 'user' } },
};
const numbers = (event: DynamoDBStreamEvent) =>
  event.Records.map((r) => Number(r.dynamodb?.NewImage?.n?.N));

describe('SimulatedStream', () => {
  it('turns committed outbox Puts into INSERT records and filters out other items', async () => {
    const stream = new SimulatedStream({ clock: chaosClock(), batchSize: 10 });
    stream.append([userPut, outboxPut(1)]);
    const seen: DynamoDBStreamEvent[] = [];

    const result = await stream.deliver(async (event) => {
      seen.push(event);
      return { batchItemFailures: [] };
    });

    expect(result).toEqual({ records: 1, outcome: 'ok' });
    expect(stream.filtered).toBe(1);
    expect(seen[0]?.Records[0]).toMatchObject({
      eventName: 'INSERT',
      dynamodb: {
        Keys: { pk: { S: 'OUTBOX#1' }, sk: { S: 'OUTBOX' } },
        StreamViewType: 'NEW_IMAGE',
      },
    });
    expect(stream.pending).toBe(0);
  });

  it('retries from the lowest failed record, as Lambda does with partial batch responses', async () => {
    const stream = new SimulatedStream({ clock: chaosClock(), batchSize: 10 });
    stream.append([outboxPut(1), outboxPut(2), outboxPut(3)]);
    const batches: number[][] = [];
    let first = true;
    const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
      batches.push(numbers(event));
      const failing = first ? event.Records.slice(1) : [];
      first = false;
      return {
        batchItemFailures: failing.map((r) => ({
          itemIdentifier: r.dynamodb?.SequenceNumber ?? '',
        })),
      };
    };

    const partial = await stream.deliver(handler);
    await stream.deliver(handler);

    expect(partial?.outcome).toBe('partial');
    expect(batches).toEqual([
      [1, 2, 3],
      [2, 3],
    ]);
    expect(stream.pending).toBe(0);
  });

  it('redelivers the whole batch when the handler throws', async () => {
    const stream = new SimulatedStream({ clock: chaosClock(), batchSize: 2 });
    stream.append([outboxPut(1), outboxPut(2), outboxPut(3)]);
    const batches: number[][] = [];
    let calls = 0;
    const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
      batches.push(numbers(event));
      if (calls++ === 0) throw new Error('crashed');
      return { batchItemFailures: [] };
    };

    const failed = await stream.deliver(handler);
    await stream.deliver(handler);
    await stream.deliver(handler);

    expect(failed?.outcome).toBe('error');
    expect(batches).toEqual([[1, 2], [1, 2], [3]]);
    expect(await stream.deliver(handler)).toBeUndefined();
  });
});
