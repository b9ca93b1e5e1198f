import type {
  OutboxItem,
  OutboxItemKey,
  PendingOutbox,
  TransactItems,
  TransactWriter,
} from '../ports.ts';
import { TransactionCanceledError } from './errors.ts';
import { outboxKey } from './outboxItem.ts';
import { OUTBOX_ITEM_KIND, TABLE_DEFINITION } from './tableDefinition.ts';

type Item = Record<string, unknown>;
type Operation = TransactItems[number];

/** An item's key: its key attributes, e.g. `{ pk, sk }`, or `{ id }` in a table of its own shape. */
export type MemoryItemKey = Readonly<Record<string, unknown>>;

/** Options of `MemoryOutboxStore`. */
export interface MemoryOutboxStoreOptions {
  /**
   * The table holding the outbox items: the one `listPending`, `deleteRelayed` and `setAside`
   * read and change, as `DynamoDbPendingOutbox`'s `tableName`. Name it when the store also
   * holds business tables (a dedicated outbox table beside the caller's own).
   * @default the only table the store holds
   */
  readonly outboxTableName?: string;
  /**
   * Key attribute names of the tables not keyed like the Tidings table (`pk`, `sk`), such as
   * a business table of the caller's own shape: `{ users: ['id'] }`.
   * @default `pk` and `sk` for every table
   */
  readonly keyAttributes?: Readonly<Record<string, readonly string[]>>;
  /**
   * Fails chosen transactions before they apply: return an error to throw it, or undefined to
   * let the transaction run. For tests and the chaos suite. @default no faults
   */
  readonly fault?: (items: TransactItems) => Error | undefined;
}

const CONDITION = /^\s*(attribute_not_exists|attribute_exists)\(\s*(#?[A-Za-z0-9_]+)\s*\)\s*$/;
const TIDINGS_KEY = [TABLE_DEFINITION.partitionKey.name, TABLE_DEFINITION.sortKey.name] as const;

/**
 * In-memory tables with DynamoDB transaction semantics, for local runs and tests.
 *
 * `transactWrite` takes the same document-client items as `TransactWriteItems` (Put, Delete
 * and ConditionCheck, with `attribute_exists` / `attribute_not_exists` conditions) and writes
 * all of them or none: a failed condition cancels the whole transaction with the reasons
 * lined up with the items, as DynamoDB does. Items live in the table their action names, so
 * one transaction can write the caller's table and a dedicated outbox table, and the same key
 * in two tables is two items. Other condition expressions are refused rather than guessed at.
 *
 * @example
 * // Business items in the caller's table keyed by `id`, outbox items in their own table.
 * const store = new MemoryOutboxStore({ outboxTableName: 'outbox', keyAttributes: { users: ['id'] } });
 */
export class MemoryOutboxStore implements TransactWriter, PendingOutbox {
  /** Items by table name, then by encoded key. A table exists once a committed transaction named it. */
  readonly #tables = new Map<string, Map<string, Item>>();
  readonly #outboxTableName: string | undefined;
  readonly #keyAttributes: Readonly<Record<string, readonly string[]>>;
  readonly #fault: ((items: TransactItems) => Error | undefined) | undefined;

  constructor(options: MemoryOutboxStoreOptions = {}) {
    if (options.outboxTableName === '') throw new TypeError('outboxTableName must not be empty');
    this.#outboxTableName = options.outboxTableName;
    this.#keyAttributes = options.keyAttributes ?? {};
    this.#fault = options.fault;
  }

  async transactWrite(items: TransactItems): Promise<void> {
    if (items.length === 0 || items.length > 100) {
      throw new RangeError(`a transaction takes 1 to 100 items, got ${items.length}`);
    }
    const injected = this.#fault?.(items);
    if (injected) throw injected;
    const targets = items.map((op) => this.#targetOf(op));
    // One operation per item: the same key in two tables is two items.
    const ids = targets.map(({ table, key }) => `${table}\u0000${key}`);
    if (new Set(ids).size !== ids.length) {
      throw new TypeError('a transaction cannot include more than one operation on the same item');
    }
    const reasons = items.map((op, i) => this.#check(op, targets[i] as Target));
    if (reasons.some((code) => code !== 'None')) {
      throw new TransactionCanceledError(
        reasons.map((code) =>
          code === 'None' ? { code } : { code, message: 'The conditional request failed' },
        ),
      );
    }
    items.forEach((op, i) => {
      const { table, key } = targets[i] as Target;
      const rows = this.#table(table);
      if (op.Put) rows.set(key, structuredClone(op.Put.Item as Item));
      else if (op.Delete) rows.delete(key);
    });
  }

  /**
   * The item with this key, or undefined.
   * @param tableName @default the only table the store holds
   * @throws TypeError when the store holds several tables and none is named.
   */
  get(key: MemoryItemKey, tableName?: string): Item | undefined {
    const table = this.#tableToRead(tableName, 'get(key, tableName)');
    if (table === undefined) return undefined;
    const item = this.#tables.get(table)?.get(this.#encodeKey(table, key));
    return item ? structuredClone(item) : undefined;
  }

  /**
   * Every item of a table whose partition key starts with `prefix`.
   * @param tableName @default the only table the store holds
   * @throws TypeError when the store holds several tables and none is named.
   */
  itemsWithPrefix(prefix: string, tableName?: string): Item[] {
    const table = this.#tableToRead(tableName, 'itemsWithPrefix(prefix, tableName)');
    if (table === undefined) return [];
    const [partitionKey = ''] = this.#keyAttributesOf(table);
    return [...(this.#tables.get(table)?.values() ?? [])]
      .filter((item) => String(item[partitionKey]).startsWith(prefix))
      .map((item) => structuredClone(item));
  }

  /** Pending outbox items of the outbox table (never another table's items), oldest first. */
  async listPending(options: { olderThan: string; limit: number }): Promise<OutboxItem[]> {
    return [...this.#outboxTable().items.values()]
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
    const { table, items } = this.#outboxTable();
    for (const eventId of eventIds) items.delete(this.#encodeKey(table, outboxKey(eventId)));
  }

  async setAside(keys: readonly OutboxItemKey[]): Promise<void> {
    const { table, items } = this.#outboxTable();
    for (const key of keys) delete items.get(this.#encodeKey(table, { ...key }))?.pendingShard;
  }

  /** The outbox table and its items; no items while the store holds no table. */
  #outboxTable(): { table: string; items: Map<string, Item> } {
    const table =
      this.#outboxTableName ?? this.#tableToRead(undefined, 'the outboxTableName option');
    if (table === undefined) return { table: '', items: new Map() };
    return { table, items: this.#tables.get(table) ?? new Map() };
  }

  /** The named table, or the only one the store holds; undefined while it holds none. */
  #tableToRead(tableName: string | undefined, howToName: string): string | undefined {
    if (tableName !== undefined) return tableName;
    const names = [...this.#tables.keys()];
    if (names.length > 1) {
      throw new TypeError(
        `MemoryOutboxStore holds tables ${names.map((name) => `"${name}"`).join(', ')}: name one with ${howToName}`,
      );
    }
    return names[0];
  }

  #table(name: string): Map<string, Item> {
    let rows = this.#tables.get(name);
    if (!rows) {
      rows = new Map();
      this.#tables.set(name, rows);
    }
    return rows;
  }

  #keyAttributesOf(table: string): readonly string[] {
    return this.#keyAttributes[table] ?? TIDINGS_KEY;
  }

  #encodeKey(table: string, key: MemoryItemKey): string {
    const attributes = this.#keyAttributesOf(table);
    const values = attributes.map((name) => key[name]);
    if (!values.every((value) => typeof value === 'string' || typeof value === 'number')) {
      const found = Object.fromEntries(attributes.map((name) => [name, key[name]]));
      throw new TypeError(
        `items of table "${table}" need string or number key attributes ${attributes.join(', ')}, got ${JSON.stringify(found)}`,
      );
    }
    return JSON.stringify(values);
  }

  #targetOf(op: Operation): Target {
    const spec = op.Put ?? op.Delete ?? op.ConditionCheck;
    const key = op.Put?.Item ?? op.Delete?.Key ?? op.ConditionCheck?.Key;
    if (!spec || !key) {
      throw new TypeError('MemoryOutboxStore supports Put, Delete and ConditionCheck only');
    }
    if (!spec.TableName) throw new TypeError('every transaction item needs a TableName');
    return { table: spec.TableName, key: this.#encodeKey(spec.TableName, key) };
  }

  #check(op: Operation, target: Target): string {
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
    const exists = this.#tables.get(target.table)?.get(target.key)?.[name] !== undefined;
    const holds = fn === 'attribute_exists' ? exists : !exists;
    return holds ? 'None' : 'ConditionalCheckFailed';
  }
}

/** The table an operation names and the item's encoded key in it. */
interface Target {
  readonly table: string;
  readonly key: string;
}
