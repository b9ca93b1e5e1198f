import { randomBytes, randomUUID } from 'node:crypto';
import { type RegisteredUser, registerUser } from '../../examples/signup/registerUser.ts';
import type { LocalPipeline, SentEmail } from '../../lambdas/local/LocalPipeline.ts';

/** What a signup of a generated batch is meant to do. */
export type SignupIntent = 'commit' | 'duplicate' | 'invalid';

/** One generated signup: the input sent to `registerUser`, and what it should lead to. */
export interface PlannedSignup {
  readonly input: unknown;
  readonly intent: SignupIntent;
  /** The normalised address the signup names, when it names one at the batch's domain. */
  readonly address?: string;
  /** The name in the input, when there is one. */
  readonly name?: string;
}

/** What `registerUser` did with one planned signup. */
export interface SignupOutcome {
  readonly signup: PlannedSignup;
  /** Set when the transaction committed. */
  readonly registered?: RegisteredUser;
  /** Set when it was refused. */
  readonly error?: unknown;
}

/**
 * An email domain no other test of the run uses: the SES local mailbox is shared by every
 * integration test file, so each test tells its mail apart by domain.
 */
export function uniqueEmailDomain(prefix = 'e2e'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}.example`;
}

/** A Standard Webhooks signing secret: `whsec_` and base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * A batch of signups at `domain`: `commits` new users, `duplicates` that reuse an earlier
 * user's email in other letter case (each placed after the signup it repeats), and `invalid`
 * inputs of several kinds, some naming an address at `domain` that must get no mail.
 */
export function planSignups(options: {
  readonly domain: string;
  readonly commits: number;
  readonly duplicates?: number;
  readonly invalid?: number;
}): PlannedSignup[] {
  const { domain, commits, duplicates = 0, invalid = 0 } = options;
  if (duplicates > commits) {
    throw new RangeError(`duplicates (${duplicates}) cannot exceed commits (${commits})`);
  }
  const originals: PlannedSignup[] = [];
  for (let i = 0; i < commits; i++) {
    const address = `user-${i}@${domain}`;
    const name = `Member ${i} ${randomUUID().slice(0, 6)}`;
    originals.push({ input: { email: address, name }, intent: 'commit', address, name });
  }
  const planned: PlannedSignup[] = [...originals];
  // Spread duplicates over the batch; each follows the original it repeats.
  const step = duplicates > 0 ? Math.floor(commits / duplicates) : 0;
  for (let d = 0; d < duplicates; d++) {
    const original = originals[d * step];
    if (!original?.address) continue;
    const shouted = ` ${original.address.toUpperCase()} `;
    const at = planned.indexOf(original) + 1;
    planned.splice(at, 0, {
      input: { email: shouted, name: `Duplicate ${d}` },
      intent: 'duplicate',
      address: original.address,
      name: `Duplicate ${d}`,
    });
  }
  const bad: ((i: number) => PlannedSignup)[] = [
    (i) => ({ input: { email: `missing-at-${i}.${domain}` }, intent: 'invalid' }),
    (i) => {
      const address = `blank-name-${i}@${domain}`;
      return { input: { email: address, name: '   ' }, intent: 'invalid', address };
    },
    (i) => {
      const address = `long-name-${i}@${domain}`;
      return { input: { email: address, name: 'x'.repeat(201) }, intent: 'invalid', address };
    },
    (i) => ({ input: { email: 42, name: `Number ${i}` }, intent: 'invalid' }),
    (i) => ({ input: { name: `No email ${i}` }, intent: 'invalid' }),
  ];
  for (let i = 0; i < invalid; i++) {
    const make = bad[i % bad.length];
    if (!make) continue;
    // Interleaved, so invalid input sits between committed signups in the stream's order.
    planned.splice(Math.floor(((i + 1) * planned.length) / (invalid + 1)), 0, make(i));
  }
  return planned;
}

/**
 * Where the signup example writes on a local pipeline: the pipeline's writer, its outbox
 * table, and the example's users table beside it (one transaction spans both).
 */
export interface SignupTables extends Pick<LocalPipeline, 'writer' | 'outboxTableName'> {
  readonly usersTableName: string;
}

/**
 * Registers each planned signup with the example's `registerUser`, through the pipeline's
 * writer, in order, and records what happened. Never throws for a refused signup: the outcome
 * carries the error.
 */
export async function registerAll(
  target: SignupTables,
  signups: readonly PlannedSignup[],
): Promise<SignupOutcome[]> {
  const outcomes: SignupOutcome[] = [];
  for (const signup of signups) {
    try {
      const registered = await registerUser(signup.input, {
        writer: target.writer,
        tableName: target.usersTableName,
        outboxTableName: target.outboxTableName,
      });
      outcomes.push({ signup, registered });
    } catch (error) {
      outcomes.push({ signup, error });
    }
  }
  return outcomes;
}

/** The emails addressed to someone at `domain` (compared without regard to case). */
export function emailsAtDomain(emails: readonly SentEmail[], domain: string): SentEmail[] {
  const suffix = `@${domain.toLowerCase()}`;
  return emails.filter((email) => email.to.some((to) => to.toLowerCase().endsWith(suffix)));
}

/** How many emails each recipient got. */
export function countByRecipient(emails: readonly SentEmail[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const email of emails) {
    for (const to of email.to) {
      const address = to.toLowerCase();
      counts.set(address, (counts.get(address) ?? 0) + 1);
    }
  }
  return counts;
}

/**
 * The pipeline, with `sentEmails` narrowed to mail at `domain`: on a shared SES local the
 * mailbox also holds what other tests sent meanwhile.
 */
export function onlyMailAt(pipeline: LocalPipeline, domain: string): LocalPipeline {
  return {
    mode: pipeline.mode,
    notifications: pipeline.notifications,
    writer: pipeline.writer,
    outboxTableName: pipeline.outboxTableName,
    ...(pipeline.mailboxUrl === undefined ? {} : { mailboxUrl: pipeline.mailboxUrl }),
    stage: (eventType, payload, options) => pipeline.stage(eventType, payload, options),
    deliver: (options) => pipeline.deliver(options),
    sent: () => pipeline.sent(),
    sentEmails: async () => emailsAtDomain(await pipeline.sentEmails(), domain),
    deadLetters: () => pipeline.deadLetters(),
    close: () => pipeline.close(),
  };
}
