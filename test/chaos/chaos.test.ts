import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChaosOptionError } from '../../chaos/errors.ts';
import { FAULT_SITES } from '../../chaos/faults.ts';
import { formatReport, passed } from '../../chaos/report.ts';
import { CHAOS_USAGE, chaosCli, parseChaosArgs } from '../../chaos/run.ts';
import { type ChaosReport, runChaos } from '../../chaos/runChaos.ts';

// The bounded CI run: fixed seed, twice the default fault rate, 500 signups. The seed is one
// at which every fault site fires at least once (the dead-letter sends are rare at 500).
const CI_RUN = { seed: 20_250_103, rate: 0.1, signups: 500 } as const;

describe('runChaos (CI run: 500 signups, rate 0.1)', () => {
  let report: ChaosReport;
  beforeAll(async () => {
    report = await runChaos(CI_RUN);
  }, 60_000);

  it('settles: every signup handled, nothing left on the stream, queue or outbox', () => {
    expect(report.settled).toBe(true);
    expect(report.figures.committed).toBeGreaterThan(450);
  });

  it('sends a welcome email to every committed, deliverable signup', () => {
    expect(report.figures.missing).toBe(0);
    expect(report.figures.emailsSent).toBeGreaterThanOrEqual(
      report.figures.committed - report.figures.undeliverable,
    );
  });

  it('sends no welcome email twice outside the documented window, and counts the window', () => {
    expect(report.figures.duplicatesOutsideWindow).toBe(0);
    expect(report.figures.duplicatesInWindow).toBe(report.figures.duplicates);
    expect(report.figures.duplicates).toBeLessThanOrEqual(report.figures.windowsOpened);
    expect(report.figures.windowsOpened).toBeGreaterThan(0);
  });

  it('sends nothing for rolled-back or invalid signups, and has both', () => {
    expect(report.figures.sentForRolledBackOrInvalid).toBe(0);
    expect(report.figures.rolledBack).toBeGreaterThan(0);
    expect(report.figures.invalid).toBeGreaterThan(0);
  });

  it('never tells a caller a signup committed when nothing applied', () => {
    expect(report.figures.reportedButNotCommitted).toBe(0);
  });

  it('leaves every undelivered message on a dead-letter queue with its reason', () => {
    expect(report.figures.undeliverable).toBeGreaterThan(0);
    expect(report.figures.undeliveredOnDeadLetterQueue).toBe(report.figures.undelivered);
  });

  it('injects faults at every boundary and opens the window in every way', () => {
    for (const site of FAULT_SITES) expect(report.faults[site], site).toBeGreaterThan(0);
    // At this seed one completion fails on every attempt, so the give-up path runs too.
    for (const [cause, count] of Object.entries(report.windowsByCause)) {
      expect(count, cause).toBeGreaterThan(0);
    }
    expect(report.relay.crashes).toBeGreaterThan(0);
    expect(report.consumer.crashes).toBeGreaterThan(0);
  });

  it('retries failed completions, so most never open the window', () => {
    const { completeAttemptsFailed, completionsRecoveredByRetry } = report.consumer;

    expect(completeAttemptsFailed).toBeGreaterThan(0);
    expect(completionsRecoveredByRetry).toBeGreaterThan(0);
    expect(report.windowsByCause.completeFailed).toBeLessThan(completionsRecoveredByRetry / 10);
  });

  it('passes, and prints a table with the seed, the rate and the command that reproduces it', () => {
    const text = formatReport(report);

    expect(passed(report)).toBe(true);
    expect(text).toMatch(/\| seed +\| +20250103 \|/);
    expect(text).toMatch(/\| fault rate +\| +0\.1 \|/);
    expect(text).toContain(
      'npm run chaos -- --seed 20250103 --rate 0.1 --signups 500 --max-receive-count 10',
    );
  });
});

describe('runChaos', () => {
  it('repeats exactly for the same seed, and differs for another', async () => {
    const options = { seed: 5, rate: 0.1, signups: 150 };
    const strip = (r: ChaosReport) => ({ ...r, wallMs: 0 });

    const first = await runChaos(options);
    const again = await runChaos(options);
    const other = await runChaos({ ...options, seed: 6 });

    expect(strip(again)).toEqual(strip(first));
    expect(strip(other)).not.toEqual(strip(first));
  });

  it('catches duplicates outside the window when the consumer runs without its ledger', async () => {
    const report = await runChaos({ ...CI_RUN, ledger: false });

    expect(report.figures.duplicatesOutsideWindow).toBeGreaterThan(0);
    expect(passed(report)).toBe(false);
    expect(formatReport(report)).toContain('--no-ledger');
  });

  it('injects nothing at rate 0: every deliverable signup gets one email', async () => {
    const report = await runChaos({ seed: 1, rate: 0, signups: 200 });

    expect(Object.values(report.faults).every((count) => count === 0)).toBe(true);
    expect(report.figures.duplicates).toBe(0);
    expect(report.figures.windowsOpened).toBe(0);
    expect(report.figures.emailsSent).toBe(report.figures.committed - report.figures.undeliverable);
  });

  it('refuses a rate outside [0, 1], naming it', async () => {
    await expect(runChaos({ seed: 1, rate: 1.5, signups: 10 })).rejects.toThrow(
      new ChaosOptionError('rate', 1.5, 'a number from 0 to 1'),
    );
  });
});

describe('parseChaosArgs', () => {
  it('defaults to 5,000 signups at rate 0.05', () => {
    expect(parseChaosArgs([])).toEqual({ seed: 1, rate: 0.05, signups: 5000 });
  });

  it('reads the flags', () => {
    expect(
      parseChaosArgs([
        '--seed',
        '9',
        '--rate',
        '0.2',
        '--signups',
        '100',
        '--max-receive-count',
        '5',
        '--no-ledger',
      ]),
    ).toEqual({ seed: 9, rate: 0.2, signups: 100, maxReceiveCount: 5, ledger: false });
  });

  it('names a flag whose value is not a number', () => {
    expect(() => parseChaosArgs(['--rate', 'lots'])).toThrow('--rate must be a number, got "lots"');
  });
});

function cliIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
}

describe('chaosCli', () => {
  it('prints the usage for --help and exits 0 without running anything', async () => {
    const { out, err, io } = cliIo();

    const code = await chaosCli(['--help'], io);

    expect(code).toBe(0);
    expect(err).toEqual([]);
    expect(out).toEqual([CHAOS_USAGE]);
    for (const flag of ['--seed', '--rate', '--signups', '--max-receive-count', '--no-ledger']) {
      expect(CHAOS_USAGE).toContain(flag);
    }
    expect(CHAOS_USAGE).toContain('(default 10, as the CDK construct deploys)');
  });

  it('prints the report and exits 0 when every invariant holds, 1 when one fails', async () => {
    const passing = cliIo();
    const failing = cliIo();

    const passed = await chaosCli(['--rate', '0', '--signups', '40'], passing.io);
    const failed = await chaosCli(
      ['--rate', '0.3', '--signups', '40', '--max-receive-count', '1'],
      failing.io,
    );

    expect(passed).toBe(0);
    expect(passing.out.join('\n')).toContain(
      'Reproduce: npm run chaos -- --seed 1 --rate 0 --signups 40 --max-receive-count 10',
    );
    expect(failed).toBe(1);
    expect(failing.out.join('\n')).toContain('- FAILED: committed signups with no welcome email');
  });

  it('exits 2 naming the flag it cannot use, and points at --help', async () => {
    const unknown = cliIo();
    const outOfRange = cliIo();

    const unknownCode = await chaosCli(['--sead', '3'], unknown.io);
    const outOfRangeCode = await chaosCli(['--max-receive-count', '0'], outOfRange.io);

    expect(unknownCode).toBe(2);
    expect(unknown.err.join('\n')).toContain("Unknown option '--sead'");
    expect(unknown.err.join('\n')).toContain('npm run chaos -- --help');
    expect(outOfRangeCode).toBe(2);
    expect(outOfRange.err).toEqual([
      '--max-receive-count must be an integer from 1 to 1000, got 0',
    ]);
    expect(unknown.out).toEqual([]);
  });

  it('exits 0 with the usage when run as npm run chaos -- --help', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'chaos/run.ts', '--help'],
      { cwd: new URL('../..', import.meta.url).pathname },
    );

    expect(stdout.trim()).toBe(CHAOS_USAGE);
  }, 30_000);
});

describe('runChaos with a single receive per message', () => {
  let report: ChaosReport;
  beforeAll(async () => {
    // Any transient failure now exhausts the message.
    report = await runChaos({ ...CI_RUN, maxReceiveCount: 1 });
  }, 60_000);

  it('reports the signups whose message ran out of receives as missing their email', () => {
    expect(report.figures.missing).toBeGreaterThan(0);
    expect(report.invariants.find((i) => i.name.startsWith('committed'))?.holds).toBe(false);
    expect(passed(report)).toBe(false);
  });

  it('has the consumer dead-letter most of them itself, with their reason, as it knows the count', () => {
    // Beyond the addresses the provider refuses, transient failures on the last receive carry
    // their reason; only receives the consumer could not finish (a crash, a failed dead-letter
    // send) are left to the queue's redrive, which attaches none.
    const withReason = report.figures.undeliveredOnDeadLetterQueue - report.figures.undeliverable;
    expect(withReason).toBeGreaterThan(report.figures.missing / 2);
    expect(report.figures.deadLettersWithoutReason).toBeGreaterThan(0);
  });
});
