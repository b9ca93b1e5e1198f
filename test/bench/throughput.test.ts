import { afterEach, describe, expect, it } from 'vitest';
import { createBenchSenders } from '../../bench/benchSenders.ts';
import { createMockedAws, type MockedAws } from '../../bench/mockedAws.ts';
import { runPipeline, streamRecordsFor } from '../../bench/pipeline.ts';
import { batchedRelayRun, compareThroughput, relayRun } from '../../bench/throughput.ts';

/** Stream records of `signups` committed signups, as the relay receives them. */
async function outboxRecords(signups: number) {
  const source = createMockedAws();
  const run = await runPipeline(source, createBenchSenders(source), signups);
  source.restore();
  return streamRecordsFor(run.transactions.flat());
}

describe('batchedRelayRun', () => {
  let aws: MockedAws | undefined;
  afterEach(() => aws?.restore());

  it('sends batches of 10 and deletes in batches of 25, as a competent relay does', async () => {
    // Arrange
    const records = await outboxRecords(120);
    aws = createMockedAws({ answerAt: 'send' });

    // Act
    await batchedRelayRun(aws, records, 100)();

    // Assert: stream batches of 100 and 20, so 10 + 2 sends and 4 + 1 deletes.
    expect(aws.calls().relay).toEqual({ SendMessageBatch: 12, BatchWriteItem: 5 });
  });

  it("puts the same messages on the queue as Tidings' relay, in the same order", async () => {
    // Arrange
    const records = await outboxRecords(30);
    aws = createMockedAws();

    // Act
    await relayRun(aws, records, 100)();
    const tidings = aws.relayedMessages().map((m) => m.entry);
    await batchedRelayRun(aws, records, 100)();
    const batched = aws.relayedMessages().map((m) => m.entry);

    // Assert
    expect(batched).toHaveLength(30);
    expect(batched).toEqual(tidings);
  });
});

describe('compareThroughput', () => {
  it('alternates which side runs first and pairs the ratio by repeat', async () => {
    // Arrange
    const order: string[] = [];
    // Each side spins a little, so its wall and CPU times are never zero.
    const spin = () => {
      const until = performance.now() + 1;
      while (performance.now() < until);
    };
    const ours = async () => {
      order.push('ours');
      spin();
    };
    const theirs = async () => {
      order.push('theirs');
      spin();
    };

    // Act
    const result = await compareThroughput(10, 4, ours, theirs, 0);

    // Assert: one warm-up each, then four repeats alternating the lead.
    expect(order).toEqual([
      'ours',
      'theirs',
      ...['ours', 'theirs', 'theirs', 'ours', 'ours', 'theirs', 'theirs', 'ours'],
    ]);
    expect(result.tidings.runs).toHaveLength(4);
    expect(result.baseline.runs).toHaveLength(4);
    expect(result.ratio).toBeGreaterThan(0);
  });
});
