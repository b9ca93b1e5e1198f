import { TidingsError } from '../errors.ts';
import type { LedgerOperation, LedgerRecord } from './types.ts';

/** Base class of errors about the idempotency ledger. */
export abstract class LedgerError extends TidingsError {}

/** A ledger was configured wrongly (a missing or invalid table name, a bad TTL). Permanent. */
export class LedgerConfigError extends LedgerError {
  readonly permanent = true;
  constructor(
    /** The option or environment variable that is wrong. */
    readonly setting: string,
    message: string,
  ) {
    super(message);
  }
}

/** A ledger call got an argument it cannot use (an empty id, a lease already over). Permanent. */
export class LedgerArgumentError extends LedgerError {
  readonly permanent = true;
  constructor(
    readonly operation: LedgerOperation,
    readonly notificationId: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The store behind the ledger failed a call. Transient for throttling, 5xx and network
 * errors; permanent for requests the store will refuse every time (validation, a missing
 * table, denied access). The store's error is the `cause`.
 */
export class LedgerStoreError extends LedgerError {
  readonly permanent: boolean;
  constructor(
    readonly operation: LedgerOperation,
    readonly notificationId: string,
    /** The store's error name, e.g. `ProvisionedThroughputExceededException`. */
    readonly reason: string,
    permanent: boolean,
    cause: unknown,
  ) {
    super(
      `ledger ${operation} of ${notificationId} failed (${permanent ? 'permanent' : 'transient'}): ${reason}${
        cause instanceof Error && cause.message && cause.message !== reason
          ? `: ${cause.message}`
          : ''
      }`,
      { cause },
    );
    this.permanent = permanent;
  }
}

/**
 * `complete` or `release` was called for a notification this ledger instance did not claim
 * (or already completed or released). A programming error. Permanent.
 */
export class ClaimNotHeldError extends LedgerError {
  readonly permanent = true;
  constructor(
    readonly operation: LedgerOperation,
    readonly notificationId: string,
  ) {
    super(`cannot ${operation} ${notificationId}: this ledger holds no claim on it`);
  }
}

/**
 * The claim this worker held is gone: its lease expired and another worker took it over, or
 * that worker already completed it. The stored record is left as it is. Permanent: repeating
 * the call cannot succeed.
 */
export class ClaimLostError extends LedgerError {
  readonly permanent = true;
  constructor(
    readonly operation: LedgerOperation,
    readonly notificationId: string,
    /** The record as the store holds it now, if any. */
    readonly current: LedgerRecord | undefined,
  ) {
    super(
      `cannot ${operation} ${notificationId}: the claim was lost (${
        current ? `now ${current.status}, held by another claim` : 'no record'
      })`,
    );
  }
}

/** A stored ledger record does not have the shape the ledger writes. Permanent. */
export class CorruptLedgerRecordError extends LedgerError {
  readonly permanent = true;
  constructor(
    readonly notificationId: string,
    readonly reason: string,
  ) {
    super(`corrupt ledger record ${notificationId}: ${reason}`);
  }
}
