import { MAX_NOTIFICATION_ID_BYTES } from './constants.ts';
import { LedgerArgumentError, LedgerConfigError } from './errors.ts';
import type { LedgerOperation } from './types.ts';

/**
 * Checks a notification id is a non-empty string DynamoDB accepts as a partition key.
 * @throws LedgerArgumentError naming the bad id.
 */
export function checkNotificationId(operation: LedgerOperation, notificationId: unknown): string {
  if (typeof notificationId !== 'string' || notificationId.length === 0) {
    throw new LedgerArgumentError(
      operation,
      String(notificationId),
      `notification id must be a non-empty string: ${JSON.stringify(notificationId)}`,
    );
  }
  const bytes = Buffer.byteLength(notificationId, 'utf8');
  if (bytes > MAX_NOTIFICATION_ID_BYTES) {
    throw new LedgerArgumentError(
      operation,
      notificationId,
      `notification id is ${bytes} bytes, over the ${MAX_NOTIFICATION_ID_BYTES}-byte key limit: "${notificationId.slice(0, 40)}..."`,
    );
  }
  return notificationId;
}

/**
 * Checks a lease ends in the future and before the record's TTL: a lease already over would
 * let any worker take the claim at once, and one past the TTL could outlive its record.
 * @throws LedgerArgumentError naming the lease.
 */
export function checkLease(
  notificationId: string,
  leaseUntil: number,
  now: number,
  ttlSeconds: number,
): void {
  if (!Number.isFinite(leaseUntil) || leaseUntil <= now) {
    throw new LedgerArgumentError(
      'claim',
      notificationId,
      `lease of ${notificationId} must end in the future: leaseUntil ${leaseUntil} <= now ${now}`,
    );
  }
  if (leaseUntil - now >= ttlSeconds * 1000) {
    throw new LedgerArgumentError(
      'claim',
      notificationId,
      `lease of ${notificationId} (${leaseUntil - now} ms) must be shorter than the record TTL (${ttlSeconds} s)`,
    );
  }
}

/**
 * Checks a TTL is a whole number of seconds, at least one hour.
 * @throws LedgerConfigError naming the value.
 */
export function checkTtlSeconds(ttlSeconds: number): number {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 3600) {
    throw new LedgerConfigError(
      'ttlSeconds',
      `ledger ttlSeconds must be a whole number of seconds, at least 3600: ${ttlSeconds}`,
    );
  }
  return ttlSeconds;
}
