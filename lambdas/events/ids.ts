import { createHash, randomBytes } from 'node:crypto';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The namespace for ids Tidings derives from queue message ids (UUID v5, RFC 9562).
 * Fixed forever: changing it would change every derived id and break deduplication.
 */
export const TIDINGS_ID_NAMESPACE = '6f1c3a52-8d0e-4b7a-9f31-2c5e7d9a4b10';

/** Whether `value` is a UUID in its canonical 8-4-4-4-12 hex form. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}

function formatUuid(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Source of the current time in epoch milliseconds; injected so tests use fake clocks. */
export type Clock = () => number;

/** Source of random bytes; injected so tests and the chaos suite are repeatable. */
export type RandomBytes = (size: number) => Uint8Array;

/**
 * A UUID version 7 (RFC 9562): 48 bits of Unix milliseconds then random bits, so ids sort by
 * creation time, which keeps DynamoDB keys and logs in a useful order.
 */
export function uuidv7(now: Clock = Date.now, random: RandomBytes = randomBytes): string {
  const bytes = new Uint8Array(16);
  bytes.set(random(10), 6);
  const ms = BigInt(Math.max(0, Math.floor(now())));
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  return formatUuid(bytes);
}

/**
 * A UUID version 5 (RFC 9562) of `name` in `namespace`: the same input always gives the same
 * id, different inputs give different ids.
 */
export function uuidv5(name: string, namespace: string = TIDINGS_ID_NAMESPACE): string {
  if (!isUuid(namespace)) throw new TypeError(`namespace must be a UUID: "${namespace}"`);
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  const bytes = new Uint8Array(hash.subarray(0, 16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  return formatUuid(bytes);
}
