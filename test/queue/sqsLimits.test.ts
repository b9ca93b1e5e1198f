import { describe, expect, it } from 'vitest';
import { isSqsQueueName, REFUSED_CHARACTER } from '../../lambdas/queue/sqsLimits.ts';

describe('isSqsQueueName', () => {
  it.each([
    ['notifications', true],
    ['a', true],
    ['x'.repeat(80), true],
    [`${'x'.repeat(75)}.fifo`, true],
    ['orders_v2-eu', true],
    ['', false],
    ['x'.repeat(81), false],
    [`${'x'.repeat(76)}.fifo`, false],
    ['.fifo', false],
    ['billing events', false],
    ['orders.v2', false],
    ['facturación', false],
  ])('%j is a queue name SQS accepts: %s', (name, accepted) => {
    expect(isSqsQueueName(name)).toBe(accepted);
  });
});

describe('REFUSED_CHARACTER', () => {
  it.each([
    ['\u0000', true],
    ['\u0008', true],
    ['\uFFFE', true],
    ['\uD800', true],
    ['\t', false],
    ['é', false],
    ['\u{1F600}', false],
  ])('%j is refused in a message: %s', (text, refused) => {
    expect(REFUSED_CHARACTER.test(text)).toBe(refused);
  });
});
