import { TidingsError } from '../lambdas/errors.ts';

/** Base of the chaos suite's own errors. */
export abstract class ChaosError extends TidingsError {}

/**
 * A simulated Lambda crash: the invocation died part way through (out of memory, a timeout,
 * the sandbox recycled). Everything it had started stops where it was; its caller sees the
 * invocation fail and the event source retries the whole batch. Transient.
 */
export class SimulatedCrashError extends ChaosError {
  readonly permanent = false;
  constructor(
    /** Which function crashed: `relay` or `consumer`. */
    readonly role: string,
    /** What it had done when it died, for the message. */
    readonly after: string,
  ) {
    super(`simulated ${role} crash after ${after}`);
  }
}

/** A chaos run was asked for with an option it cannot use. Permanent. */
export class ChaosOptionError extends ChaosError {
  readonly permanent = true;
  constructor(
    /** The option, e.g. `rate`. */
    readonly option: string,
    readonly value: unknown,
    expected: string,
  ) {
    super(`--${option} must be ${expected}, got ${JSON.stringify(value)}`);
  }
}
