import type { TransactItems } from '../ports.ts';

/** The most actions DynamoDB accepts in one `TransactWriteItems` call. */
export const MAX_TRANSACT_ITEMS = 100;
/** The most bytes the items of one transaction may add up to (4 MB). */
export const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;
/** The largest item DynamoDB stores (400 KB), attribute names included. */
export const MAX_ITEM_BYTES = 400 * 1024;

/**
 * An upper-bound estimate of the size DynamoDB counts for an item given in the document
 * client's native form (before marshalling), following AWS's documented rules: each
 * attribute is its UTF-8 name plus its value; a string is its UTF-8 bytes, a binary its
 * length, a boolean or null 1 byte, a number about 1 byte per two significant digits plus 1
 * (rounded up here, with a byte to spare for digit alignment), a set the sum of its
 * elements, and a list or map 3 bytes plus 1 byte per element on top of the elements.
 * `undefined` values are skipped, as the document client's `removeUndefinedValues` does.
 *
 * It never under-counts what the rules describe, so an item it accepts is within the limit;
 * it may over-count a number by a byte.
 *
 * @throws TypeError for values the document client cannot store (functions, symbols).
 */
export function documentItemBytes(item: Readonly<Record<string, unknown>>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    bytes += Buffer.byteLength(name, 'utf8') + valueBytes(value, name);
  }
  return bytes;
}

/**
 * An upper-bound estimate of what one `TransactWriteItems` action adds to the transaction's
 * 4 MB: a `Put` counts its item; an `Update`, `Delete` or `ConditionCheck` counts its key and
 * expression values, since the stored item it acts on cannot be seen from here.
 */
export function transactItemBytes(action: TransactItems[number]): number {
  if (action.Put) return documentItemBytes(action.Put.Item ?? {});
  const spec = action.Update ?? action.Delete ?? action.ConditionCheck;
  if (!spec) return 0;
  return (
    documentItemBytes(spec.Key ?? {}) + documentItemBytes(spec.ExpressionAttributeValues ?? {})
  );
}

function valueBytes(value: unknown, path: string): number {
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number' || typeof value === 'bigint') return numberBytes(String(value));
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (value instanceof Set) {
    let bytes = 0;
    for (const element of value) bytes += valueBytes(element, path);
    return bytes;
  }
  if (Array.isArray(value)) {
    let bytes = 3;
    for (const element of value) {
      if (element !== undefined) bytes += 1 + valueBytes(element, path);
    }
    return bytes;
  }
  if (typeof value === 'object') {
    let bytes = 3;
    for (const [name, element] of Object.entries(value)) {
      if (element === undefined) continue;
      bytes += 1 + Buffer.byteLength(name, 'utf8') + valueBytes(element, `${path}.${name}`);
    }
    return bytes;
  }
  throw new TypeError(`attribute "${path}" holds a ${typeof value}, which DynamoDB cannot store`);
}

function numberBytes(text: string): number {
  const mantissa = text.replace(/^[-+]/, '').replace(/[eE].*$/, '');
  const significant = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  // One byte per two digits, plus one for a digit pair split by the decimal point, plus the
  // exponent byte: an upper bound of DynamoDB's base-100 encoding.
  return Math.ceil((Math.max(1, significant.length) + 1) / 2) + 1;
}
