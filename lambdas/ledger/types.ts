import type { ClaimOutcome, NotificationLedger } from '../ports.ts';

/** The states a ledger record can be in. A released claim leaves no record. */
export const LedgerStatus = {
  IN_PROGRESS: 'in-progress',
  COMPLETED: 'completed',
} as const;

/** One of `'in-progress' | 'completed'`. */
export type LedgerStatus = (typeof LedgerStatus)[keyof typeof LedgerStatus];

/** The three ledger operations, as fault hooks and statistics name them. */
export type LedgerOperation = 'claim' | 'complete' | 'release';

/** One notification's record in a ledger, as stored. */
export interface LedgerRecord {
  /** `<eventId>:<index>`: the key. */
  readonly notificationId: string;
  readonly status: LedgerStatus;
  /**
   * The token of the claim that wrote this record. A worker may complete or release only a
   * record that still carries its own token, so a worker whose lease was taken over cannot
   * touch the new holder's claim. Kept on completed records so a retried `complete` can tell
   * "I already did this" from "someone else did".
   */
  readonly owner: string;
  /** Epoch ms after which another worker may take the claim over; in-progress records only. */
  readonly leaseUntil?: number;
  /** Epoch ms of the claim. */
  readonly claimedAt: number;
  /** Epoch ms of the completion; completed records only. */
  readonly completedAt?: number;
  /** The provider's id for the sent message, when the sender reported one. */
  readonly providerMessageId?: string;
  /** TTL, epoch seconds: the store deletes the record some time after this. */
  readonly expiresAt: number;
}

/** Operation counts a ledger keeps, to measure its cost per notification. */
export interface LedgerStats {
  /** Requests made per operation (one store call each), faulted or failed ones included. */
  readonly calls: Readonly<Record<LedgerOperation, number>>;
  /** How claims were answered. */
  readonly claimOutcomes: Readonly<Record<ClaimOutcome, number>>;
  /** Calls that threw. */
  readonly errors: number;
  /**
   * Write request units consumed: what DynamoDB reported (`ConsumedCapacity`) for writes that
   * succeeded, plus one per refused conditional write (billed, but not reported in the error).
   * `undefined` for stores that do not bill by request.
   */
  readonly writeUnits?: number;
}

/**
 * A fault hook for tests and the chaos suite: return an error to make that call throw it,
 * or `undefined` to let the call proceed.
 */
export type LedgerFault = (operation: LedgerOperation, notificationId: string) => Error | undefined;

/** A `NotificationLedger` that can also report what it did. */
export interface InspectableLedger extends NotificationLedger {
  /** Counts of calls and claim outcomes so far. */
  stats(): LedgerStats;
}
