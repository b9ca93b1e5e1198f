import type { RandomBytes } from '../lambdas/events/ids.ts';

/** A source of uniform numbers in [0, 1), like `Math.random`. */
export type Random = () => number;

/**
 * Mulberry32: a 32-bit seeded generator, small and fast, good enough to decide faults. The
 * same seed gives the same sequence on every machine, which is what makes a run repeatable.
 */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** FNV-1a over a string: spreads a label into 32 bits. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * An independent generator per purpose, derived from the run's seed and a label. Each fault
 * site and id source draws from its own stream, so adding a draw in one place does not shift
 * every decision after it elsewhere.
 *
 * @example
 * const senderFaults = forkRandom(seed, 'fault:sender');
 */
export function forkRandom(seed: number, label: string): Random {
  return mulberry32((fnv1a(label) ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0);
}

/** An integer in [0, bound) from `random`. */
export function randomInt(random: Random, bound: number): number {
  return Math.min(bound - 1, Math.floor(random() * bound));
}

/** Random bytes drawn from a seeded generator, for `uuidv7` and `defineOutbox`. */
export function seededBytes(random: Random): RandomBytes {
  return (size) => {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = randomInt(random, 256);
    return bytes;
  };
}

/** A version-4-shaped UUID from a seeded generator: message ids, tokens, request ids. */
export function seededUuid(random: Random): () => string {
  const bytes = seededBytes(random);
  return () => {
    const b = bytes(16);
    b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
    b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
    const hex = Buffer.from(b).toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}
