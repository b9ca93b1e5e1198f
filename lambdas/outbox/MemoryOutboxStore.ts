import { TransactionCanceledError } from './errors.ts';
import { type OutboxItem, outboxKey } from './outboxItem.ts';
import { OUTBOX_ITEM_KIND } from './tableDefinition.ts';
import type { OutboxItemKey, PendingOutbox, TransactItems, TransactWriter } from './types.ts';

type Item = Record<string, unknown>;
type Operation = TransactItems[number];

const CONDITION = /^\s*(attribute_not_exists|attribute_exists)\(\s*(#?[A-Za-z0-9_]+)\s*\)\s*$/;

/** Options of `MemoryOutboxStore`. */
export interface MemoryOutboxStoreOptions {
  /**
   * Fails chosen transactions before they apply: return an error to throw it, or undefined to
   * let the transaction run. For tests and the chaos suite. @default no faults
   */
  readonly fault?: (items: TransactItems) => Error | undefined;
}

/**
 * An in-memory table with DynamoDB transaction semantics, for local runs and tests.
 *
 * `transactWrite` takes the same document-client items as `TransactWriteItems` (Put, Delete
 * and ConditionCheck, with `attribute_exists` / `attribute_not_exists` conditions) and writes
 * all of them or none: a failed condition cancels the whole transaction with the reasons
 * lined up with the items, as DynamoDB does. Other condition expressions are refused rather
 * than guessed at.
 */
export class MemoryOutboxStore implements TransactWriter, PendingOutbox {
  readonly #items = new Map<string, Item>();
  readonly #fault: ((items: TransactItems) => Error | undefined) | undefined;

  constructor(options: MemoryOutboxStoreOptions = {}) {
    this.#fault = options.fault;
  }

  async transactWrite(items: TransactItems): Promise<void> {
    if (items.length === 0 || items.length > 100) {
      throw new RangeError(`a transaction takes 1 to 100 items, got ${items.length}`);
    }
    const injected = this.#fault?.(items);
    if (injected) throw injected;
    const keys = items.map((op) => this.#keyOf(op));
    if (new Set(keys).size !== keys.length) {
      throw new TypeError('a transaction cannot include more than one operation on the same item');
    }
    const reasons = items.map((op, i) => this.#check(op, keys[i] as string));
    if (reasons.some((code) => code !== 'None')) {
      throw new TransactionCanceledError(
        reasons.map((code) =>
          code === 'None' ? { code } : { code, message: 'The conditional request failed' },
        ),
      );
    }
    items.forEach((op, i) => {
      const key = keys[i] as string;
      if (op.Put) this.#items.set(key, structuredClone(op.Put.Item as Item));
      else if (op.Delete) this.#items.delete(key);
    });
  }

  /** The item with this key, or undefined. */
  get(key: { pk: string; sk: string }): Item | undefined {
    const item = this.#items.get(`${key.pk}\u0000${key.sk}`);
    return item ? structuredClone(item) : undefined;
  }

  /** Every item whose partition key starts with `prefix`. */
  itemsWithPrefix(prefix: string): Item[] {
    return [...this.#items.values()]
      .filter((item) => String(item.pk).startsWith(prefix))
      .map((item) => structuredClone(item));
  }

  async listPending(options: { olderThan: string; limit: number }): Promise<OutboxItem[]> {
    return [...this.#items.values()]
      .filter(
        (item): item is Item & OutboxItem =>
          item.kind === OUTBOX_ITEM_KIND &&
          item.pendingShard !== undefined &&
          String(item.occurredAt) <= options.olderThan,
      )
      .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt))
      .slice(0, options.limit)
      .map((item) => structuredClone(item));
  }

  async deleteRelayed(eventIds: readonly string[]): Promise<void> {
    for (const eventId of eventIds) {
      const { pk, sk } = outboxKey(eventId);
      this.#items.delete(`${pk}\u0000${sk}`);
    }
  }

  async setAside(keys: readonly OutboxItemKey[]): Promise<void> {
    for (const { pk, sk } of keys) delete this.#items.get(`${pk}\u0000${sk}`)?.pendingShard;
  }

  #keyOf(op: Operation): string {
    const key = op.Put?.Item ?? op.Delete?.Key ?? op.ConditionCheck?.Key;
    if (!key) throw new TypeError('MemoryOutboxStore supports Put, Delete and ConditionCheck only');
    if (typeof key.pk !== 'string' || typeof key.sk !== 'string') {
      throw new TypeError(
        `items need string pk and sk, got ${JSON.stringify({ pk: key.pk, sk: key.sk })}`,
      );
    }
    return `${key.pk}\u0000${key.sk}`;
  }

  #check(op: Operation, key: string): string {
    const spec = op.Put ?? op.Delete ?? op.ConditionCheck;
    const expression = spec?.ConditionExpression;
    if (!expression) return 'None';
    const match = CONDITION.exec(expression);
    if (!match) {
      throw new TypeError(
        `MemoryOutboxStore understands only attribute_exists(x) / attribute_not_exists(x), got "${expression}"`,
      );
    }
    const [, fn, rawName = ''] = match;
    const name = rawName.startsWith('#') ? spec?.ExpressionAttributeNames?.[rawName] : rawName;
    if (!name)
      throw new TypeError(`condition names ${rawName} but ExpressionAttributeNames lacks it`);
    const exists = this.#items.get(key)?.[name] !== undefined;
    const holds = fn === 'attribute_exists' ? exists : !exists;
    return holds ? 'None' : 'ConditionalCheckFailed';
  }
}
