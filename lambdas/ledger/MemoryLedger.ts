import { randomUUID } from 'node:crypto';
import type { Clock } from '../events/ids.ts';
import type { ClaimAnswer, NotificationLedger, SendResult } from '../ports.ts';
import { DEFAULT_LEDGER_TTL_SECONDS } from './constants.ts';
import { ClaimLostError, ClaimNotHeldError } from './errors.ts';
import { LedgerCounters } from './LedgerCounters.ts';
import { checkLease, checkNotificationId, checkTtlSeconds } from './ledgerArguments.ts';
import {
  type InspectableLedger,
  type LedgerFault,
  type LedgerOperation,
  type LedgerRecord,
  type LedgerStats,
  LedgerStatus,
} from './types.ts';

/** Options of `MemoryLedger`. */
export interface MemoryLedgerOptions {
  /** @default Date.now */
  readonly clock?: Clock;
  /**
   * How long records live; an expired record counts as deleted.
   * @default DEFAULT_LEDGER_TTL_SECONDS (7 days)
   */
  readonly ttlSeconds?: number;
  /** Makes chosen calls fail before they change anything (the request never reached the store). */
  readonly fault?: LedgerFault;
  /**
   * Makes chosen calls fail after they changed the ledger (the store applied the write but the
   * response was lost): the caller sees an error although the claim, completion or release
   * happened.
   */
  readonly faultAfterApply?: LedgerFault;
  /** Makes the token that identifies each claim. @default crypto.randomUUID */
  readonly newToken?: () => string;
}

/**
 * An in-memory idempotency ledger with the same semantics as `DynamoDbLedger`: atomic
 * conditional claims with a lease another worker may take over once it expires, completions
 * and releases only by the claim that holds the record, and records that expire after a TTL.
 * For tests, local runs and the chaos suite; it also counts its calls.
 *
 * The ledger itself is one worker; `worker()` gives more workers over the same records, as
 * several Lambda instances share one table.
 *
 * @example
 * const ledger = new MemoryLedger({ clock: () => now });
 * await processNotificationEvent(event, { router, senders, ledger: { store: ledger } });
 * ledger.status(`${eventId}:0`); // 'completed'
 */
export class MemoryLedger implements InspectableLedger {
  readonly #records = new Map<string, LedgerRecord>();
  readonly #counters = new LedgerCounters();
  readonly #tokens = new Map<string, string>();
  readonly #clock: Clock;
  readonly #ttlSeconds: number;
  readonly #fault: LedgerFault | undefined;
  readonly #faultAfterApply: LedgerFault | undefined;
  readonly #newToken: () => string;

  constructor(options: MemoryLedgerOptions = {}) {
    this.#clock = options.clock ?? Date.now;
    this.#ttlSeconds = checkTtlSeconds(options.ttlSeconds ?? DEFAULT_LEDGER_TTL_SECONDS);
    this.#fault = options.fault;
    this.#faultAfterApply = options.faultAfterApply;
    this.#newToken = options.newToken ?? randomUUID;
  }

  /**
   * Claims `notificationId` with a lease until `leaseUntil` (epoch ms); the answer carries the
   * holder's `leaseUntil` when another worker holds the notification.
   */
  claim(notificationId: string, leaseUntil: number): Promise<ClaimAnswer> {
    return this.#run(() => this.#claim(this.#tokens, notificationId, leaseUntil));
  }

  /** Marks a notification this worker claimed as sent. */
  complete(notificationId: string, result: SendResult): Promise<void> {
    return this.#run(() => this.#complete(this.#tokens, notificationId, result));
  }

  /** Gives back a claim this worker holds, so a retry can claim it at once. */
  release(notificationId: string): Promise<void> {
    return this.#run(() => this.#release(this.#tokens, notificationId));
  }

  /**
   * Another worker over the same records, with its own claims: what a second Lambda instance
   * is to a shared table. Its calls count in this ledger's `stats()`.
   */
  worker(): NotificationLedger {
    const tokens = new Map<string, string>();
    return {
      claim: (id, leaseUntil) => this.#run(() => this.#claim(tokens, id, leaseUntil)),
      complete: (id, result) => this.#run(() => this.#complete(tokens, id, result)),
      release: (id) => this.#run(() => this.#release(tokens, id)),
    };
  }

  /** The status of a notification's record, or `undefined` when there is none (or it expired). */
  status(notificationId: string): LedgerStatus | undefined {
    return this.#live(notificationId)?.status;
  }

  /** A copy of a notification's record, or `undefined` when there is none (or it expired). */
  record(notificationId: string): LedgerRecord | undefined {
    const record = this.#live(notificationId);
    return record ? { ...record } : undefined;
  }

  /** How many live records the ledger holds. */
  get size(): number {
    for (const id of [...this.#records.keys()]) this.#live(id);
    return this.#records.size;
  }

  /** Counts of calls and claim outcomes so far, across every worker. */
  stats(): LedgerStats {
    return this.#counters.snapshot();
  }

  // Runs one call as a promise, so a synchronous throw becomes a rejection and is counted.
  async #run<T>(call: () => T): Promise<T> {
    try {
      return call();
    } catch (error) {
      this.#counters.error();
      throw error;
    }
  }

  #claim(tokens: Map<string, string>, notificationId: string, leaseUntil: number): ClaimAnswer {
    checkNotificationId('claim', notificationId);
    const now = this.#clock();
    checkLease(notificationId, leaseUntil, now, this.#ttlSeconds);
    this.#request('claim', notificationId);
    const existing = this.#live(notificationId);
    // The same condition as the DynamoDB claim: no record, or an in-progress one whose lease
    // is over (its worker crashed or timed out without releasing).
    const free =
      existing === undefined ||
      (existing.status === LedgerStatus.IN_PROGRESS && (existing.leaseUntil ?? 0) < now);
    if (!free) {
      this.#counters.outcome(existing.status);
      return existing.status === LedgerStatus.IN_PROGRESS && existing.leaseUntil !== undefined
        ? { outcome: existing.status, leaseUntil: existing.leaseUntil }
        : { outcome: existing.status };
    }
    const token = this.#newToken();
    this.#records.set(notificationId, {
      notificationId,
      status: LedgerStatus.IN_PROGRESS,
      owner: token,
      leaseUntil,
      claimedAt: now,
      expiresAt: Math.floor(now / 1000) + this.#ttlSeconds,
    });
    // A caller whose response was lost does not know it holds the claim, so the token is not
    // kept either: the lease expiring is what frees the record.
    this.#applied('claim', notificationId);
    tokens.set(notificationId, token);
    this.#counters.outcome('claimed');
    return { outcome: 'claimed' };
  }

  #complete(tokens: Map<string, string>, notificationId: string, result: SendResult): void {
    checkNotificationId('complete', notificationId);
    const token = tokens.get(notificationId);
    if (token === undefined) throw new ClaimNotHeldError('complete', notificationId);
    this.#request('complete', notificationId);
    const now = this.#clock();
    const existing = this.#live(notificationId);
    if (existing?.owner === token && existing.status === LedgerStatus.COMPLETED) {
      tokens.delete(notificationId);
      return;
    }
    if (existing?.owner !== token || existing.status !== LedgerStatus.IN_PROGRESS) {
      tokens.delete(notificationId);
      throw new ClaimLostError('complete', notificationId, existing && { ...existing });
    }
    const { leaseUntil: _lease, ...rest } = existing;
    this.#records.set(notificationId, {
      ...rest,
      status: LedgerStatus.COMPLETED,
      completedAt: now,
      expiresAt: Math.floor(now / 1000) + this.#ttlSeconds,
      ...(result.providerMessageId ? { providerMessageId: result.providerMessageId } : {}),
    });
    // As in DynamoDbLedger, the token goes only once the call answers: a caller whose response
    // was lost may repeat the completion, which then finds its own completed record.
    this.#applied('complete', notificationId);
    tokens.delete(notificationId);
  }

  #release(tokens: Map<string, string>, notificationId: string): void {
    checkNotificationId('release', notificationId);
    const token = tokens.get(notificationId);
    if (token === undefined) throw new ClaimNotHeldError('release', notificationId);
    this.#request('release', notificationId);
    const existing = this.#live(notificationId);
    tokens.delete(notificationId);
    if (existing === undefined) return;
    if (existing.owner !== token || existing.status !== LedgerStatus.IN_PROGRESS) {
      throw new ClaimLostError('release', notificationId, { ...existing });
    }
    this.#records.delete(notificationId);
    this.#applied('release', notificationId);
  }

  // Counts a store request and applies the before-fault: nothing changes when it fires.
  #request(operation: LedgerOperation, notificationId: string): void {
    this.#counters.call(operation);
    const error = this.#fault?.(operation, notificationId);
    if (error) throw error;
  }

  // Applies the after-fault: the change stays, the caller sees an error.
  #applied(operation: LedgerOperation, notificationId: string): void {
    const error = this.#faultAfterApply?.(operation, notificationId);
    if (error) throw error;
  }

  // The record, unless its TTL passed: then it is deleted, as DynamoDB's TTL would (eventually).
  #live(notificationId: string): LedgerRecord | undefined {
    const record = this.#records.get(notificationId);
    if (record && record.expiresAt * 1000 <= this.#clock()) {
      this.#records.delete(notificationId);
      return undefined;
    }
    return record;
  }
}
