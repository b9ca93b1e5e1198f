import { documentItemBytes } from '../lambdas/outbox/itemSize.ts';
import { OUTBOX_ITEM_KIND } from '../lambdas/outbox/tableDefinition.ts';

/** Write request units of one signup's transaction, split by who the write is for. */
export interface TransactionWriteUnits {
  /** The outbox item: a transactional write (2 units per KB) plus its pending-index entry. */
  readonly outbox: number;
  /** The caller's business items (user profile, email claim), also at 2 units per KB. */
  readonly business: number;
}

/** Units for one standard write of `bytes` (1 per KB, at least 1). */
export function standardWriteUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}

/**
 * Write request units DynamoDB bills for the Put items of one `TransactWriteItems`: each item
 * costs 2 units per started KB (transactional writes), and an outbox item also writes its
 * entry in the sparse pending index (keys only, well under 1 KB: 1 unit).
 */
export function transactionWriteUnits(
  items: readonly Readonly<Record<string, unknown>>[],
): TransactionWriteUnits {
  let outbox = 0;
  let business = 0;
  for (const item of items) {
    const units = 2 * standardWriteUnits(documentItemBytes(item));
    if (item.kind === OUTBOX_ITEM_KIND) outbox += units + (item.pendingShard === undefined ? 0 : 1);
    else business += units;
  }
  return { outbox, business };
}
