import { describe, expect, it } from 'vitest';
import { costPerMillion, type UsagePerNotification } from '../../bench/costPerMillion.ts';
import { LIST_PRICES, type ListPrices } from '../../bench/listPrices.ts';

const prices: ListPrices = {
  ...LIST_PRICES,
  dynamoDbPerMillionWriteRequestUnits: 1,
  dynamoDbStreamsPerMillionReadRequestUnits: 0.5,
  sqsPerMillionRequests: 0.4,
  lambdaPerMillionRequests: 0.2,
  lambdaArmPerGbSecond: 0.00001,
  sesPerThousandEmails: 0.1,
};

const usage: UsagePerNotification = {
  writeRequestUnits: 7,
  streamReadRequestUnits: 0,
  sqsRequests: 0.3,
  emails: 1,
  lambdas: [{ name: 'consumer', invocationsPerNotification: 0.1, durationMs: 20, memoryMb: 512 }],
};

describe('costPerMillion', () => {
  it('prices each billed unit per million notifications', () => {
    // Act
    const cost = costPerMillion(usage, prices);
    const usd = Object.fromEntries(cost.lines.map((line) => [line.item, line.usd]));

    // Assert
    expect(usd['DynamoDB writes']).toBeCloseTo(7, 10);
    expect(usd['DynamoDB stream reads']).toBe(0);
    expect(usd['SQS requests']).toBeCloseTo(0.12, 10);
    expect(usd['Lambda consumer requests']).toBeCloseTo(0.02, 10);
    // 100,000 invocations x 0.02 s x 0.5 GB = 1,000 GB-s
    expect(usd['Lambda consumer compute (20 ms x 512 MB)']).toBeCloseTo(0.01, 10);
    expect(usd['SES emails']).toBeCloseTo(100, 10);
  });

  it('keeps SES apart from the plumbing and adds both into the total', () => {
    // Act
    const cost = costPerMillion(usage, prices);

    // Assert
    expect(cost.sesUsd).toBeCloseTo(100, 10);
    expect(cost.plumbingUsd).toBeCloseTo(7 + 0.12 + 0.02 + 0.01, 10);
    expect(cost.totalUsd).toBeCloseTo(cost.plumbingUsd + cost.sesUsd, 10);
  });

  it('bills Lambda duration rounded up to the next millisecond', () => {
    // Act
    const cost = costPerMillion(
      {
        ...usage,
        lambdas: [
          { name: 'relay', invocationsPerNotification: 1, durationMs: 1.2, memoryMb: 1024 },
        ],
      },
      prices,
    );
    const compute = cost.lines.find((line) => line.item.startsWith('Lambda relay compute'));

    // Assert: 1,000,000 x 0.002 s x 1 GB
    expect(compute?.unitsPerMillion).toBeCloseTo(2_000, 6);
    expect(compute?.item).toContain('2 ms');
  });

  it('refuses negative or non-finite usage, naming the field', () => {
    expect(() => costPerMillion({ ...usage, sqsRequests: -1 }, prices)).toThrow(/sqsRequests/);
    expect(() =>
      costPerMillion(
        {
          ...usage,
          lambdas: [
            { name: 'relay', invocationsPerNotification: 1, durationMs: Number.NaN, memoryMb: 256 },
          ],
        },
        prices,
      ),
    ).toThrow(/relay durationMs/);
  });
});
