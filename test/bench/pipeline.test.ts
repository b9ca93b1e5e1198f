import { afterEach, describe, expect, it } from 'vitest';
import { createBenchSenders } from '../../bench/benchSenders.ts';
import { minimumCallsPerNotification } from '../../bench/minimumCalls.ts';
import { createMockedAws, type MockedAws, totalCalls } from '../../bench/mockedAws.ts';
import { runPipeline } from '../../bench/pipeline.ts';

describe('runPipeline', () => {
  let aws: MockedAws | undefined;
  afterEach(() => aws?.restore());

  it('sends one welcome email per signup with the minimum number of calls at batch 10', async () => {
    // Arrange
    aws = createMockedAws();

    // Act
    const run = await runPipeline(aws, createBenchSenders(aws), 10);

    // Assert
    expect(run.emailsSent).toBe(10);
    expect(run.calls).toEqual({
      producer: { TransactWriteItems: 10 },
      relay: { SendMessageBatch: 1, BatchWriteItem: 1 },
      consumer: {},
      ledger: { PutItem: 10, UpdateItem: 10 },
      sender: { SendEmail: 10 },
    });
    expect(totalCalls(run.calls) / 10).toBeCloseTo(minimumCallsPerNotification(10).total, 10);
  });

  it('counts the same calls when send itself is answered as when the SDK builds requests', async () => {
    // Arrange
    const built = createMockedAws({ answerAt: 'build' });
    aws = createMockedAws({ answerAt: 'send' });

    // Act
    const viaBuild = await runPipeline(built, createBenchSenders(built), 25);
    const viaSend = await runPipeline(aws, createBenchSenders(aws), 25);
    built.restore();

    // Assert
    expect(viaSend.calls).toEqual(viaBuild.calls);
    expect(viaSend.calls.relay).toEqual({ SendMessageBatch: 3, BatchWriteItem: 1 });
  });
});
