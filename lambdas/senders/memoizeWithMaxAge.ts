import { isPermanentError } from '../errors.ts';
import type { Clock } from '../events/ids.ts';

/** Options of `memoizeWithMaxAge`. */
export interface MaxAgeOptions {
  /** How long a loaded value is used before the next call loads it again, in ms. */
  readonly maxAgeMs: number;
  /**
   * How long a value whose reload failed transiently is used before the next reload is tried.
   * @default a tenth of maxAgeMs
   */
  readonly retryAfterMs?: number;
  /** @default Date.now */
  readonly clock?: Clock;
}

/**
 * Like `memoizeAsync`, but the value is loaded again once it is `maxAgeMs` old, so a value
 * that changes at its source (a rotated secret) reaches a long-lived process. Concurrent
 * callers share one load. The first load's failure is thrown and not kept; a reload that fails
 * transiently keeps the last value for `retryAfterMs` more (a brief outage of the source does
 * not fail every caller), while a permanent failure (an invalid value stored at the source) is
 * thrown to every caller until a reload succeeds.
 *
 * @example
 * const secret = memoizeWithMaxAge(() => fetchSecret(arn), { maxAgeMs: 300_000 });
 * await secret(); // fetched at most once per 5 minutes
 */
export function memoizeWithMaxAge<T>(
  load: () => T | Promise<T>,
  options: MaxAgeOptions,
): () => Promise<T> {
  const { maxAgeMs } = options;
  const retryAfterMs = options.retryAfterMs ?? maxAgeMs / 10;
  const clock = options.clock ?? Date.now;
  for (const [name, value] of [
    ['maxAgeMs', maxAgeMs],
    ['retryAfterMs', retryAfterMs],
  ] as const) {
    if (!(Number.isFinite(value) && value > 0)) {
      throw new RangeError(`${name} must be a positive number of ms: ${value}`);
    }
  }
  let cached: { readonly value: T; readonly freshUntil: number } | undefined;
  let pending: Promise<T> | undefined;

  const reload = async (): Promise<T> => {
    try {
      const value = await load();
      cached = { value, freshUntil: clock() + maxAgeMs };
      return value;
    } catch (error) {
      if (cached === undefined || isPermanentError(error)) throw error;
      cached = { value: cached.value, freshUntil: clock() + retryAfterMs };
      return cached.value;
    }
  };

  return async () => {
    if (cached !== undefined && clock() < cached.freshUntil) return cached.value;
    pending ??= reload().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
