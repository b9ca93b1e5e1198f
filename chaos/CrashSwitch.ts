import { SimulatedCrashError } from './errors.ts';

/** A promise that never settles: what a call made by a dead process amounts to. */
export function never<T>(): Promise<T> {
  return new Promise<T>(() => {});
}

/**
 * One Lambda invocation that may crash. Code running inside it passes its side effects
 * through `guard`; once `crash()` is called every guarded call stops for good (its promise
 * never settles, as work in a dead sandbox never resumes), and `run` rejects with
 * `SimulatedCrashError`, which is what the event source sees.
 *
 * @example
 * const invocation = new CrashSwitch('consumer');
 * const response = await invocation.run(handler(event)); // rejects once crash() is called
 */
export class CrashSwitch {
  /** `relay` or `consumer`. */
  readonly role: string;
  #crashed = false;
  readonly #signal: Promise<never>;
  #reject: (error: Error) => void = () => {};

  constructor(role: string) {
    this.role = role;
    this.#signal = new Promise<never>((_, reject) => {
      this.#reject = reject;
    });
    // Nobody may be racing the signal when it fires; that must not be an unhandled rejection.
    this.#signal.catch(() => {});
  }

  /** Whether the invocation has died. */
  get crashed(): boolean {
    return this.#crashed;
  }

  /** Kills the invocation; `after` says what it had done, for the error message. */
  crash(after: string): void {
    if (this.#crashed) return;
    this.#crashed = true;
    this.#reject(new SimulatedCrashError(this.role, after));
  }

  /** The invocation's outcome: `work`'s, unless the invocation crashes first. */
  run<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.#signal]);
  }

  /**
   * Runs a side effect unless the invocation is dead; if it dies while the call is in flight,
   * the call's effect stays but its caller never hears back.
   */
  async guard<T>(call: () => Promise<T>): Promise<T> {
    if (this.#crashed) return never();
    let result: T;
    try {
      result = await call();
    } catch (error) {
      if (this.#crashed) return never();
      throw error;
    }
    if (this.#crashed) return never();
    return result;
  }
}
