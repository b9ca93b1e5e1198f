import { describe, expect, it, vi } from 'vitest';
import { SenderConfigurationError } from '../../lambdas/senders/errors.ts';
import { memoizeWithMaxAge } from '../../lambdas/senders/memoizeWithMaxAge.ts';
import { fakeClock, rejectionOf } from '../helpers/events.ts';

describe('memoizeWithMaxAge', () => {
  it('loads once for concurrent callers and again only once the value is maxAgeMs old', async () => {
    // Arrange
    const clock = fakeClock();
    let version = 0;
    const load = vi.fn(async () => ++version);
    const get = memoizeWithMaxAge(load, { maxAgeMs: 1_000, clock });

    // Act
    const first = await Promise.all([get(), get(), get()]);
    clock.advance(999);
    const fresh = await get();
    clock.advance(1);
    const reloaded = await Promise.all([get(), get()]);

    // Assert
    expect(first).toEqual([1, 1, 1]);
    expect(fresh).toBe(1);
    expect(reloaded).toEqual([2, 2]);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('throws a failed first load and tries again on the next call, even one that throws at once', async () => {
    // Arrange
    const load = vi
      .fn<() => Promise<string>>()
      .mockImplementationOnce(() => {
        throw new Error('no client');
      })
      .mockResolvedValue('value');
    const get = memoizeWithMaxAge(load, { maxAgeMs: 1_000, clock: fakeClock() });

    // Act
    const error = await rejectionOf(get());
    const value = await get();

    // Assert
    expect(error).toEqual(new Error('no client'));
    expect(value).toBe('value');
  });

  it('throws a permanent reload failure to every caller until a reload succeeds', async () => {
    // Arrange
    const clock = fakeClock();
    const load = vi
      .fn<() => Promise<string>>()
      .mockResolvedValueOnce('old')
      .mockRejectedValueOnce(new SenderConfigurationError('secret', 'invalid'))
      .mockResolvedValue('new');
    const get = memoizeWithMaxAge(load, { maxAgeMs: 1_000, clock });
    await get();
    clock.advance(1_000);

    // Act
    const error = await rejectionOf(get());
    const next = await get();

    // Assert
    expect(error).toBeInstanceOf(SenderConfigurationError);
    expect(next).toBe('new');
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a maxAgeMs of %s', (maxAgeMs) => {
    expect(() => memoizeWithMaxAge(async () => 1, { maxAgeMs })).toThrow(
      `maxAgeMs must be a positive number of ms: ${maxAgeMs}`,
    );
  });
});
