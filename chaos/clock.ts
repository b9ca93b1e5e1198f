import type { Clock } from '../lambdas/events/ids.ts';

/** A clock that moves only when told: every component of a chaos run reads this one. */
export interface ChaosClock extends Clock {
  /** Moves the time forward by `ms` (never backwards). */
  advance(ms: number): void;
}

/** The instant every chaos run starts at, so occurrence times and ids repeat: 2025-01-01. */
export const CHAOS_EPOCH = Date.UTC(2025, 0, 1);

/**
 * A fake clock starting at `start`. Retries that wait on a visibility timeout or a lease
 * happen by moving it, so a run takes no real waiting and repeats exactly.
 */
export function chaosClock(start: number = CHAOS_EPOCH): ChaosClock {
  let now = start;
  return Object.assign(() => now, {
    advance(ms: number) {
      if (!(ms >= 0)) throw new RangeError(`a chaos clock only moves forward, got ${ms} ms`);
      now += ms;
    },
  });
}
