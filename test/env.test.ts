import { afterEach, describe, expect, it, vi } from 'vitest';
import { requireEnv } from '../lambdas/env.ts';

afterEach(() => vi.unstubAllEnvs());

describe('requireEnv', () => {
  it('returns the value the construct set', () => {
    vi.stubEnv('TIDINGS_TEST_VALUE', 'queue-url');

    expect(requireEnv('TIDINGS_TEST_VALUE')).toBe('queue-url');
  });

  it('throws a TypeError naming a variable that is unset or empty', () => {
    vi.stubEnv('TIDINGS_TEST_EMPTY', '');

    expect(() => requireEnv('TIDINGS_TEST_EMPTY')).toThrow(
      'environment variable TIDINGS_TEST_EMPTY must be set',
    );
    expect(() => requireEnv('TIDINGS_TEST_NEVER_SET')).toThrow(/TIDINGS_TEST_NEVER_SET/);
  });
});
