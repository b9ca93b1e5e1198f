import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * The size DynamoDB bills an item at, in bytes, per its documented rules: each attribute's
 * UTF-8 name plus its value (a string's UTF-8 bytes, a number's ~1 byte per two significant
 * digits plus 1, 1 byte for a boolean or null, a binary's length). Used to show every ledger
 * write stays under 1 KB, hence one write request unit.
 * @throws TypeError for attribute types the ledger does not write (lists, maps, sets).
 */
export function dynamoDbItemBytes(item: Readonly<Record<string, AttributeValue>>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name, 'utf8') + attributeValueBytes(name, value);
  }
  return bytes;
}

/** Write request units for one standard (non-transactional) write of an item this large. */
export function writeRequestUnits(itemBytes: number): number {
  return Math.max(1, Math.ceil(itemBytes / 1024));
}

function attributeValueBytes(name: string, value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S, 'utf8');
  if (value.N !== undefined) return numberBytes(value.N);
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.B !== undefined) return value.B.byteLength;
  throw new TypeError(`attribute "${name}" has a type the size estimate does not cover`);
}

function numberBytes(n: string): number {
  const digits = n
    .replace(/^[-+]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '');
  const significant = digits.replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, significant.length) / 2) + 1;
}
