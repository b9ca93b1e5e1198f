import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../lambdas/senders/parseRetryAfter.ts';
import { T0 } from '../helpers/events.ts';

describe('parseRetryAfter', () => {
  it.each([
    ['120', 120],
    [' 0 ', 0],
    [new Date(T0 + 30_000).toUTCString(), 30],
    [new Date(T0 - 30_000).toUTCString(), 0],
    ['Wednesday, 01-Jan-25 00:01:00 GMT', 60],
    [undefined, undefined],
    ['', undefined],
    ['soon', undefined],
    ['-5', undefined],
    ['1.5', undefined],
  ])('reads %j as %j seconds', (value, seconds) => {
    // Act
    const parsed = parseRetryAfter(value, T0);

    // Assert
    expect(parsed).toBe(seconds);
  });
});
