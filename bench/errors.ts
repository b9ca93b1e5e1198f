import { TidingsError } from '../lambdas/errors.ts';

/** Base of the benchmark's own errors. */
export abstract class BenchError extends TidingsError {}

/**
 * A measurement could not be taken (a bundle did not load, the pipeline did not deliver).
 * Permanent: running the same code again fails the same way.
 */
export class BenchMeasurementError extends BenchError {
  readonly permanent = true;
}

/**
 * Calls per notification went over the budget: the count CI holds the pipeline to.
 * Permanent: the code makes more calls than the design allows until it is changed.
 */
export class CallBudgetExceededError extends BenchError {
  readonly permanent = true;
  constructor(
    readonly batchSize: number,
    readonly measured: number,
    readonly budget: number,
    readonly breakdown: Readonly<Record<string, number>>,
  ) {
    super(
      `AWS calls per notification at batch ${batchSize} are ${measured}, over the budget of ${budget}: ${JSON.stringify(breakdown)}`,
    );
  }
}
