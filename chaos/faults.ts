import { forkRandom, type Random, randomInt } from './random.ts';

/**
 * Where the chaos suite injects faults, one boundary each. Every site draws from its own
 * seeded stream and fires with the run's fault rate.
 */
export const FaultSite = {
  /** `TransactWriteItems` throttled or cancelled for a conflict, before it applied. */
  TRANSACT_REJECTED: 'transactRejected',
  /** `TransactWriteItems` applied, but its response was lost (a timeout). */
  TRANSACT_RESPONSE_LOST: 'transactResponseLost',
  /** The relay invocation died after some of its `SendMessageBatch` calls: the stream retries the batch. */
  RELAY_CRASH: 'relayCrash',
  /** One entry of a `SendMessageBatch` failed (`InternalError`): a partial batch failure. */
  SEND_BATCH_ENTRY: 'sendBatchEntryFailed',
  /** A whole `SendMessageBatch` call was throttled. */
  SEND_BATCH_THROTTLED: 'sendBatchThrottled',
  /** Deleting relayed outbox items failed, so the sweeper finds them again. */
  OUTBOX_DELETE: 'outboxDeleteFailed',
  /** SQS delivered a message twice (a standard queue is at least once). */
  SQS_DUPLICATE: 'sqsDuplicate',
  /** The consumer's delete was lost (visibility timeout expired first): the message comes back. */
  SQS_DELETE_LOST: 'sqsDeleteLost',
  /** The consumer invocation died after some sends: the whole batch comes back. */
  CONSUMER_CRASH: 'consumerCrash',
  /** The email provider timed out, answered 5xx or throttled, before accepting. */
  SENDER_TRANSIENT: 'senderTransient',
  /** The email provider accepted, then the response was lost (a read timeout). */
  SENDER_TIMEOUT_AFTER_ACCEPT: 'senderTimeoutAfterAccept',
  /** A ledger write failed before it applied. */
  LEDGER_BEFORE_APPLY: 'ledgerBeforeApply',
  /** A ledger write applied, but its response was lost. */
  LEDGER_AFTER_APPLY: 'ledgerAfterApply',
  /** Sending to a dead-letter queue failed. */
  DEAD_LETTER_SEND: 'deadLetterSendFailed',
} as const;

/** One of the fault sites. */
export type FaultSite = (typeof FaultSite)[keyof typeof FaultSite];

/** Every fault site, in the order the report lists them. */
export const FAULT_SITES: readonly FaultSite[] = Object.values(FaultSite);

/** How many faults each site injected. */
export type FaultCounts = Readonly<Record<FaultSite, number>>;

/**
 * The run's dice: per site, a seeded generator that fires at `rate`, and a count of what
 * fired. `roll` is the only way a component decides to fail, so the counts are complete.
 */
export class Faults {
  /** Probability each site fires per opportunity, in [0, 1]. */
  readonly rate: number;
  readonly #random = new Map<FaultSite, Random>();
  readonly #counts = new Map<FaultSite, number>();
  readonly #sites: ReadonlySet<FaultSite>;

  /** `sites` limits which sites may fire (all by default), to aim at one boundary. */
  constructor(seed: number, rate: number, sites: readonly FaultSite[] = FAULT_SITES) {
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`fault rate must be in [0, 1]: ${rate}`);
    this.rate = rate;
    this.#sites = new Set(sites);
    for (const site of FAULT_SITES) {
      this.#random.set(site, forkRandom(seed, `fault:${site}`));
      this.#counts.set(site, 0);
    }
  }

  /** True (and counted) when `site` fails this time. */
  roll(site: FaultSite): boolean {
    // Drawn even for a disabled site, so limiting sites does not shift the other draws.
    const fires = this.#stream(site)() < this.rate && this.#sites.has(site);
    if (fires) this.#counts.set(site, (this.#counts.get(site) ?? 0) + 1);
    return fires;
  }

  /** An integer in [0, bound) from the site's own stream: which variant of a fault, or when. */
  pick(site: FaultSite, bound: number): number {
    return randomInt(this.#stream(site), bound);
  }

  /** Faults injected so far, per site. */
  counts(): FaultCounts {
    return Object.fromEntries(
      FAULT_SITES.map((site) => [site, this.#counts.get(site) ?? 0]),
    ) as Record<FaultSite, number>;
  }

  #stream(site: FaultSite): Random {
    const random = this.#random.get(site);
    if (!random) throw new TypeError(`unknown fault site: ${site}`);
    return random;
  }
}
