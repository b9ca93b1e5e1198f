import type { ClaimOutcome } from '../ports.ts';
import type { LedgerOperation, LedgerStats } from './types.ts';

/** Mutable counters behind a ledger's `stats()`. Internal to the ledger area. */
export class LedgerCounters {
  readonly #calls: Record<LedgerOperation, number> = { claim: 0, complete: 0, release: 0 };
  readonly #outcomes: Record<ClaimOutcome, number> = {
    claimed: 0,
    completed: 0,
    'in-progress': 0,
  };
  #errors = 0;
  #writeUnits: number | undefined;

  /** Counts one store request for `operation`. */
  call(operation: LedgerOperation): void {
    this.#calls[operation] += 1;
  }

  /** Counts how a claim was answered. */
  outcome(outcome: ClaimOutcome): void {
    this.#outcomes[outcome] += 1;
  }

  /** Counts a call that threw. */
  error(): void {
    this.#errors += 1;
  }

  /** Adds write units the store reported consuming. */
  writeUnits(units: number | undefined): void {
    if (units === undefined) return;
    this.#writeUnits = (this.#writeUnits ?? 0) + units;
  }

  /** A copy of the counters. */
  snapshot(): LedgerStats {
    return {
      calls: { ...this.#calls },
      claimOutcomes: { ...this.#outcomes },
      errors: this.#errors,
      ...(this.#writeUnits === undefined ? {} : { writeUnits: this.#writeUnits }),
    };
  }
}
