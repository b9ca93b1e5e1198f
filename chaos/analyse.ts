import { type Signup, SignupKind } from './workload.ts';

/** An email the provider accepted, attributed to the event that caused it. */
export interface ObservedEmail {
  readonly to: string;
  readonly eventId: string;
}

/** A message found on a dead-letter queue at the end of a run. */
export interface ObservedDeadLetter {
  /** `consumer-dlq`, `redrive` (maxReceiveCount exceeded) or `relay-dlq`. */
  readonly queue: string;
  readonly eventId?: string;
  readonly reason: string;
}

/** What a run saw, gathered from the components after it ended. */
export interface ChaosObservations {
  readonly signups: readonly Signup[];
  /** Per signup index, whether `registerUser` resolved (what the caller believes). */
  readonly callerSawCommit: readonly boolean[];
  /** Per signup index, the event id of the transaction it handed the writer, if it got that far. */
  readonly attempts: ReadonlyMap<number, string>;
  /** Event ids of transactions that applied: the truth about what committed. */
  readonly commits: ReadonlySet<string>;
  readonly emails: readonly ObservedEmail[];
  /** Window openings per event id (see `WindowCounter`). */
  readonly windowsByEvent: ReadonlyMap<string, number>;
  readonly deadLetters: readonly ObservedDeadLetter[];
}

/** The figures of a run. */
export interface ChaosFigures {
  readonly signups: number;
  /** Signups whose transaction applied. */
  readonly committed: number;
  /** Committed although the caller saw an error (the last attempt's response was lost). */
  readonly committedCallerSawError: number;
  /** The caller saw success but nothing applied: must never happen. */
  readonly reportedButNotCommitted: number;
  /** Signups whose transaction was attempted and did not apply. */
  readonly rolledBack: number;
  /** Signups refused before any transaction. */
  readonly invalid: number;
  /** Committed signups the provider refuses for good. */
  readonly undeliverable: number;
  readonly emailsSent: number;
  /** Committed, deliverable signups that got no welcome email. */
  readonly missing: number;
  /** Extra welcome emails: for each event, emails beyond the first. */
  readonly duplicates: number;
  /** Extra emails covered by window openings of their notification. */
  readonly duplicatesInWindow: number;
  /** Extra emails no window opening accounts for. */
  readonly duplicatesOutsideWindow: number;
  /** Window openings counted where the faults struck. */
  readonly windowsOpened: number;
  /** Emails for events that never committed, or to addresses of invalid signups. */
  readonly sentForRolledBackOrInvalid: number;
  /** Committed events that got no email. */
  readonly undelivered: number;
  /** Of those, the ones on a dead-letter queue with a reason. */
  readonly undeliveredOnDeadLetterQueue: number;
  /** Messages on the dead-letter queues. */
  readonly deadLettered: number;
  /**
   * Dead letters without a reason: SQS's redrive after `maxReceiveCount`, which attaches none.
   * An undelivered event that only has such a letter fails the fourth invariant.
   */
  readonly deadLettersWithoutReason: number;
}

/** One of the four properties a run asserts. */
export interface Invariant {
  readonly name: string;
  readonly value: number;
  readonly holds: boolean;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/**
 * Works out a run's figures from what it observed. Truth comes from the components (what
 * applied, what the provider accepted, what sits on the DLQs), never from what callers were
 * told, and every email is attributed to its event id.
 */
export function analyse(observed: ChaosObservations): ChaosFigures {
  const { signups, attempts, commits } = observed;
  const committedSignups = signups.filter((s) => commits.has(attempts.get(s.index) ?? ''));
  const committedEvents = committedSignups.map((s) => ({
    signup: s,
    eventId: attempts.get(s.index) ?? '',
  }));
  const emailsByEvent = countBy(observed.emails, (e) => e.eventId);
  const invalidAddresses = new Set(
    signups.filter((s) => !attempts.has(s.index)).map((s) => s.address),
  );
  const committedAddresses = new Set(committedSignups.map((s) => s.address));
  const lettered = new Set(
    observed.deadLetters
      .filter((letter) => letter.reason.trim().length > 0 && letter.eventId)
      .map((letter) => letter.eventId),
  );

  let missing = 0;
  let undelivered = 0;
  let undeliveredOnDeadLetterQueue = 0;
  let duplicates = 0;
  let duplicatesInWindow = 0;
  for (const { signup, eventId } of committedEvents) {
    const sent = emailsByEvent.get(eventId) ?? 0;
    if (sent === 0) {
      undelivered++;
      if (lettered.has(eventId)) undeliveredOnDeadLetterQueue++;
      if (signup.kind !== SignupKind.UNDELIVERABLE) missing++;
      continue;
    }
    const extra = sent - 1;
    duplicates += extra;
    duplicatesInWindow += Math.min(extra, observed.windowsByEvent.get(eventId) ?? 0);
  }
  const sentForRolledBackOrInvalid = observed.emails.filter(
    (email) =>
      !commits.has(email.eventId) ||
      (invalidAddresses.has(email.to) && !committedAddresses.has(email.to)),
  ).length;

  return {
    signups: signups.length,
    committed: committedSignups.length,
    committedCallerSawError: committedSignups.filter((s) => !observed.callerSawCommit[s.index])
      .length,
    reportedButNotCommitted: signups.filter(
      (s) => observed.callerSawCommit[s.index] && !commits.has(attempts.get(s.index) ?? ''),
    ).length,
    rolledBack: signups.filter(
      (s) => attempts.has(s.index) && !commits.has(attempts.get(s.index) ?? ''),
    ).length,
    invalid: signups.filter((s) => !attempts.has(s.index)).length,
    undeliverable: committedSignups.filter((s) => s.kind === SignupKind.UNDELIVERABLE).length,
    emailsSent: observed.emails.length,
    missing,
    duplicates,
    duplicatesInWindow,
    duplicatesOutsideWindow: duplicates - duplicatesInWindow,
    windowsOpened: [...observed.windowsByEvent.values()].reduce((a, b) => a + b, 0),
    sentForRolledBackOrInvalid,
    undelivered,
    undeliveredOnDeadLetterQueue,
    deadLettered: observed.deadLetters.length,
    deadLettersWithoutReason: observed.deadLetters.filter((l) => l.reason.trim().length === 0)
      .length,
  };
}

/** The four properties the issue asks every run to hold, with the figure each rests on. */
export function invariants(figures: ChaosFigures): Invariant[] {
  const check = (name: string, value: number): Invariant => ({ name, value, holds: value === 0 });
  return [
    check('committed signups with no welcome email', figures.missing),
    check(
      'welcome emails sent more than once, outside the window',
      figures.duplicatesOutsideWindow,
    ),
    check('rolled-back or invalid signups that sent anything', figures.sentForRolledBackOrInvalid),
    check(
      'undelivered messages not on a DLQ with their reason',
      figures.undelivered - figures.undeliveredOnDeadLetterQueue,
    ),
  ];
}
