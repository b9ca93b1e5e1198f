import type { ChaosReport } from './runChaos.ts';

/** Markdown table rows: a label and a value, the label indented for sub-figures. */
function table(rows: readonly (readonly [string, string | number])[]): string {
  const cells = rows.map(([label, value]) => [label, String(value)] as const);
  const width = Math.max('figure'.length, ...cells.map(([label]) => label.length));
  const valueWidth = Math.max('value'.length, ...cells.map(([, value]) => value.length));
  const line = (label: string, value: string) =>
    `| ${label.padEnd(width)} | ${value.padStart(valueWidth)} |`;
  return [
    line('figure', 'value'),
    `| ${'-'.repeat(width)} | ${'-'.repeat(valueWidth - 1)}: |`,
    ...cells.map(([label, value]) => line(label, value)),
  ].join('\n');
}

/** The command that reproduces a run: every option that shapes it, defaults included. */
export function reproduceCommand(
  report: Pick<ChaosReport, 'seed' | 'rate' | 'figures' | 'maxReceiveCount' | 'ledger'>,
): string {
  return [
    `npm run chaos -- --seed ${report.seed} --rate ${report.rate}`,
    `--signups ${report.figures.signups} --max-receive-count ${report.maxReceiveCount}`,
    ...(report.ledger ? [] : ['--no-ledger']),
  ].join(' ');
}

/**
 * The report of a run as Markdown tables: the figures and invariants, then what was
 * injected where, with the seed and rate so the run can be reproduced exactly.
 */
export function formatReport(report: ChaosReport): string {
  const f = report.figures;
  const mark = (holds: boolean) => (holds ? 'ok' : 'FAILED');
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const figures = table([
    ['seed', report.seed],
    ['fault rate', report.rate],
    ['max receive count', report.maxReceiveCount],
    ['idempotency ledger', report.ledger ? 'on' : 'OFF'],
    ['signups', f.signups],
    ['committed', f.committed],
    ['  of which the caller saw an error', f.committedCallerSawError],
    ['rolled back', f.rolledBack],
    ['invalid (refused before any write)', f.invalid],
    ['welcome emails sent', f.emailsSent],
    ['committed with no welcome email (must be 0)', f.missing],
    ['duplicate emails', f.duplicates],
    ['  in the documented window', f.duplicatesInWindow],
    ['  outside the window (must be 0)', f.duplicatesOutsideWindow],
    ['window openings', report.figures.windowsOpened],
    ['rolled-back or invalid that sent anything (must be 0)', f.sentForRolledBackOrInvalid],
    ['caller told committed, nothing applied (must be 0)', f.reportedButNotCommitted],
    ['committed but undeliverable (provider refuses)', f.undeliverable],
    ['undelivered, on a DLQ with a reason', f.undeliveredOnDeadLetterQueue],
    ['undelivered, not on a DLQ (must be 0)', f.undelivered - f.undeliveredOnDeadLetterQueue],
    ['dead letters (all DLQs)', f.deadLettered],
    ['dead letters without a reason (SQS redrive)', f.deadLettersWithoutReason],
    ['settled', report.settled ? 'yes' : 'NO'],
    ['simulated time', seconds(report.simulatedMs)],
    ['wall time', seconds(report.wallMs)],
  ]);
  const faults = table([
    ...Object.entries(report.faults).map(([site, count]) => [`fault: ${site}`, count] as const),
    ...Object.entries(report.windowsByCause).map(
      ([cause, count]) => [`window opened by: ${cause}`, count] as const,
    ),
    ['ledger complete attempts failed', report.consumer.completeAttemptsFailed],
    ['  completions a retry then recorded', report.consumer.completionsRecoveredByRetry],
    ['relay invocations (crashed)', `${report.relay.invocations} (${report.relay.crashes})`],
    [
      'consumer invocations (crashed)',
      `${report.consumer.invocations} (${report.consumer.crashes})`,
    ],
    ['consumer cold starts', report.consumer.coldStarts],
    ['sweeper runs (failed)', `${report.sweeper.runs} (${report.sweeper.failedRuns})`],
    ['events swept', report.sweeper.swept],
    ['oldest pending age seen by the sweeper', `${report.sweeper.maxOldestPendingAgeSeconds} s`],
  ]);
  const checks = report.invariants
    .map((i) => `- ${mark(i.holds)}: ${i.name} = ${i.value}`)
    .concat(`- ${mark(report.settled)}: the pipeline settled`)
    .join('\n');
  return [
    `Tidings chaos run: seed ${report.seed}, fault rate ${report.rate}, ${f.signups} signups`,
    '',
    figures,
    '',
    checks,
    '',
    faults,
    '',
    `Reproduce: ${reproduceCommand(report)}`,
  ].join('\n');
}

/** Whether a run held every invariant and settled. */
export function passed(report: Pick<ChaosReport, 'invariants' | 'settled'>): boolean {
  return report.settled && report.invariants.every((i) => i.holds);
}
