import { describe, expect, it } from 'vitest';
import { analyse, type ChaosObservations, invariants } from '../../chaos/analyse.ts';
import { type Signup, SignupKind } from '../../chaos/workload.ts';

const E1 = '00000000-0000-7000-8000-000000000001';
const E2 = '00000000-0000-7000-8000-000000000002';
const E3 = '00000000-0000-7000-8000-000000000003';

function signup(index: number, kind: Signup['kind'] = SignupKind.VALID): Signup {
  const address = `user-${index}@example.com`;
  return { index, kind, input: { email: address }, address };
}

/** Two committed signups that each got one email, unless the test changes that. */
function observed(overrides: Partial<ChaosObservations> = {}): ChaosObservations {
  return {
    signups: [signup(0), signup(1)],
    callerSawCommit: [true, true],
    attempts: new Map([
      [0, E1],
      [1, E2],
    ]),
    commits: new Set([E1, E2]),
    emails: [
      { to: 'user-0@example.com', eventId: E1 },
      { to: 'user-1@example.com', eventId: E2 },
    ],
    windowsByEvent: new Map(),
    deadLetters: [],
    ...overrides,
  };
}

describe('analyse', () => {
  it('finds nothing wrong when each committed signup got one email', () => {
    const figures = analyse(observed());

    expect(figures).toMatchObject({ committed: 2, emailsSent: 2, missing: 0, duplicates: 0 });
    expect(invariants(figures).every((i) => i.holds)).toBe(true);
  });

  it('counts a committed signup without an email as missing, and as not on a DLQ', () => {
    const figures = analyse(observed({ emails: [{ to: 'user-0@example.com', eventId: E1 }] }));

    expect(figures).toMatchObject({ missing: 1, undelivered: 1, undeliveredOnDeadLetterQueue: 0 });
    expect(invariants(figures).filter((i) => !i.holds)).toHaveLength(2);
  });

  it('counts an undeliverable signup on a DLQ with a reason as accounted for, not missing', () => {
    const figures = analyse(
      observed({
        signups: [signup(0), signup(1, SignupKind.UNDELIVERABLE)],
        emails: [{ to: 'user-0@example.com', eventId: E1 }],
        deadLetters: [{ queue: 'notifications-dlq', eventId: E2, reason: 'SendError: rejected' }],
      }),
    );

    expect(figures).toMatchObject({
      missing: 0,
      undeliverable: 1,
      undeliveredOnDeadLetterQueue: 1,
    });
    expect(invariants(figures).every((i) => i.holds)).toBe(true);
  });

  it('does not count a dead letter without a reason as accounting for an undelivered event', () => {
    const figures = analyse(
      observed({
        signups: [signup(0), signup(1, SignupKind.UNDELIVERABLE)],
        emails: [{ to: 'user-0@example.com', eventId: E1 }],
        deadLetters: [{ queue: 'notifications-dlq', eventId: E2, reason: ' ' }],
      }),
    );

    expect(figures).toMatchObject({ undeliveredOnDeadLetterQueue: 0, deadLettersWithoutReason: 1 });
  });

  it('puts an extra email inside the window only when a window opened for that event', () => {
    const emails = [
      { to: 'user-0@example.com', eventId: E1 },
      { to: 'user-0@example.com', eventId: E1 },
      { to: 'user-1@example.com', eventId: E2 },
      { to: 'user-1@example.com', eventId: E2 },
    ];

    const figures = analyse(observed({ emails, windowsByEvent: new Map([[E1, 1]]) }));

    expect(figures).toMatchObject({
      duplicates: 2,
      duplicatesInWindow: 1,
      duplicatesOutsideWindow: 1,
      windowsOpened: 1,
    });
  });

  it('counts an email for an event that never committed as sent by a rolled-back signup', () => {
    const figures = analyse(
      observed({
        signups: [signup(0), signup(1), signup(2, SignupKind.DUPLICATE)],
        attempts: new Map([
          [0, E1],
          [1, E2],
          [2, E3],
        ]),
        emails: [...observed().emails, { to: 'user-0@example.com', eventId: E3 }],
      }),
    );

    expect(figures).toMatchObject({ rolledBack: 1, sentForRolledBackOrInvalid: 1 });
  });

  it('tells invalid signups (no transaction) from rolled-back ones, and a caller misled', () => {
    const figures = analyse(
      observed({
        signups: [signup(0), signup(1), signup(2, SignupKind.INVALID), signup(3)],
        callerSawCommit: [true, true, false, true],
        attempts: new Map([
          [0, E1],
          [1, E2],
          [3, E3],
        ]),
      }),
    );

    expect(figures).toMatchObject({ invalid: 1, rolledBack: 1, reportedButNotCommitted: 1 });
  });
});
