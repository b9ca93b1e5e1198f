import { type Random, randomInt } from './random.ts';

/** What a signup is meant to exercise. */
export const SignupKind = {
  /** A fresh, valid address: must commit and get exactly one welcome email. */
  VALID: 'valid',
  /** Valid for the producer, refused for good by the provider: must end on the DLQ, unsent. */
  UNDELIVERABLE: 'undeliverable',
  /** Fails the producer's validation: nothing may be written or sent. */
  INVALID: 'invalid',
  /** Reuses an earlier signup's address: the email claim rolls it back; it may send nothing. */
  DUPLICATE: 'duplicate',
} as const;

/** One of the signup kinds. */
export type SignupKind = (typeof SignupKind)[keyof typeof SignupKind];

/** One signup request of the workload. */
export interface Signup {
  readonly index: number;
  readonly kind: SignupKind;
  /** What is sent to `registerUser`. */
  readonly input: { readonly email: string; readonly name?: string };
  /** The address a welcome email would go to (normalised as the producer normalises it). */
  readonly address: string;
}

/** The mix of signup kinds, as shares of all signups. */
export interface WorkloadShares {
  /** @default 0.01 */
  readonly undeliverable?: number;
  /** @default 0.02 */
  readonly invalid?: number;
  /** @default 0.02 */
  readonly duplicate?: number;
}

/** The prefix of addresses the provider refuses (see `isUndeliverable`). */
const UNDELIVERABLE_PREFIX = 'bounce-';

/** Whether the simulated provider refuses this address for good. */
export function isUndeliverable(address: string): boolean {
  return address.startsWith(UNDELIVERABLE_PREFIX);
}

/**
 * The signups of a run, drawn from `random`: mostly valid, with undeliverable, invalid and
 * duplicate ones mixed in. Invalid ones come in two forms: an address that is not one, and a
 * valid, unused address with an empty name (so "nothing was sent to it" is checkable).
 */
export function makeWorkload(count: number, random: Random, shares: WorkloadShares = {}): Signup[] {
  const undeliverable = shares.undeliverable ?? 0.01;
  const invalid = shares.invalid ?? 0.02;
  const duplicate = shares.duplicate ?? 0.02;
  const signups: Signup[] = [];
  const usable: number[] = [];
  for (let index = 0; index < count; index++) {
    const roll = random();
    if (roll < undeliverable) {
      const address = `${UNDELIVERABLE_PREFIX}${index}@example.com`;
      signups.push({ index, kind: SignupKind.UNDELIVERABLE, input: { email: address }, address });
    } else if (roll < undeliverable + invalid) {
      const address = `user-${index}@example.com`;
      const input =
        random() < 0.5 ? { email: `user-${index}.example.com` } : { email: address, name: '  ' };
      signups.push({ index, kind: SignupKind.INVALID, input, address: input.email });
    } else if (roll < undeliverable + invalid + duplicate && usable.length > 0) {
      const original = signups[usable[randomInt(random, usable.length)] ?? 0];
      const address = original?.address ?? `user-${index}@example.com`;
      // Differently cased: the producer normalises before claiming the address.
      signups.push({
        index,
        kind: SignupKind.DUPLICATE,
        input: { email: address.toUpperCase(), name: `Second ${index}` },
        address,
      });
    } else {
      const address = `user-${index}@example.com`;
      signups.push({
        index,
        kind: SignupKind.VALID,
        input: { email: address, name: `User ${index}` },
        address,
      });
      usable.push(index);
    }
  }
  return signups;
}
