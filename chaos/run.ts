import { parseArgs } from 'node:util';
import { ChaosOptionError } from './errors.ts';
import { formatReport, passed } from './report.ts';
import { type ChaosOptions, runChaos } from './runChaos.ts';

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

async function main(): Promise<void> {
  const options = parseChaosArgs(process.argv.slice(2));
  const report = await runChaos(options);
  console.log(formatReport(report));
  if (!passed(report)) process.exitCode = 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 2;
  });
}
