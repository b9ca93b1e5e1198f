import { parseArgs } from 'node:util';
import { ChaosOptionError } from './errors.ts';
import { formatReport, passed } from './report.ts';
import { CHAOS_MAX_RECEIVE_COUNT, type ChaosOptions, runChaos } from './runChaos.ts';

/** What `npm run chaos` runs unless told otherwise. */
export const CHAOS_DEFAULTS = { seed: 1, rate: 0.05, signups: 5000 } as const;

function numberFlag(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) {
    throw new ChaosOptionError(name, raw, 'a number');
  }
  return value;
}

/**
 * Reads the chaos run's flags: `--seed`, `--rate`, `--signups`, `--max-receive-count`,
 * and `--no-ledger` (to watch the suite catch duplicates).
 * @throws ChaosOptionError naming the flag and the bad value.
 */
export function parseChaosArgs(args: readonly string[]): ChaosOptions {
  const { values } = parseArgs({
    args: [...args],
    options: {
      seed: { type: 'string' },
      rate: { type: 'string' },
      signups: { type: 'string' },
      'max-receive-count': { type: 'string' },
      'no-ledger': { type: 'boolean' },
    },
    strict: true,
  });
  const maxReceiveCount = values['max-receive-count'];
  return {
    seed: numberFlag('seed', values.seed, CHAOS_DEFAULTS.seed),
    rate: numberFlag('rate', values.rate, CHAOS_DEFAULTS.rate),
    signups: numberFlag('signups', values.signups, CHAOS_DEFAULTS.signups),
    ...(maxReceiveCount === undefined
      ? {}
      : { maxReceiveCount: numberFlag('max-receive-count', maxReceiveCount, 0) }),
    ...(values['no-ledger'] ? { ledger: false } : {}),
  };
}

/** What `npm run chaos -- --help` prints. */
export const CHAOS_USAGE = `Usage: npm run chaos -- [options]

Drives signups through the whole pipeline in memory with faults injected at every boundary,
prints the figures and the invariants, and exits 0 when every invariant held, 1 when one
failed, 2 on a bad flag. The same flags give the same report. See docs/chaos.md.

Options:
  --seed <integer>             seeds every random choice (default ${CHAOS_DEFAULTS.seed})
  --rate <0..1>                probability each fault site fires per opportunity (default ${CHAOS_DEFAULTS.rate})
  --signups <integer>          signups to drive through the pipeline (default ${CHAOS_DEFAULTS.signups})
  --max-receive-count <1..1000>
                               receives before SQS redrives a message, told to the consumer too
                               (default ${CHAOS_MAX_RECEIVE_COUNT}, as the CDK construct deploys)
  --no-ledger                  consume without the idempotency ledger, to watch the suite
                               catch duplicates
  -h, --help                   print this and exit`;

/** Where the command line writes. */
export interface ChaosCliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const consoleIo: ChaosCliIo = { out: console.log, err: console.error };

/**
 * `npm run chaos`: runs the suite with the flags given and prints its report, or the usage
 * for `--help`.
 * @returns the exit code: 0 when every invariant held (or for `--help`), 1 when one failed,
 *   2 for a flag it cannot use.
 */
export async function chaosCli(
  args: readonly string[],
  io: ChaosCliIo = consoleIo,
): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(CHAOS_USAGE);
    return 0;
  }
  let options: ChaosOptions;
  try {
    options = parseChaosArgs(args);
  } catch (error) {
    io.err(
      `${error instanceof Error ? error.message : String(error)}\n(npm run chaos -- --help lists the flags)`,
    );
    return 2;
  }
  let report: Awaited<ReturnType<typeof runChaos>>;
  try {
    report = await runChaos(options);
  } catch (error) {
    if (!(error instanceof ChaosOptionError)) throw error;
    io.err(error.message);
    return 2;
  }
  io.out(formatReport(report));
  return passed(report) ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  chaosCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      process.exitCode = 2;
    },
  );
}
