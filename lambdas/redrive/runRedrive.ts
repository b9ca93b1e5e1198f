import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { describeError, TidingsError } from '../errors.ts';
import { RedriveUsageError } from './errors.ts';
import {
  listDeadLetterMoves,
  type MoveTaskStatus,
  type StartedMove,
  startDeadLetterMove,
} from './moveDeadLetters.ts';
import { parseRedriveArgs, REDRIVE_USAGE, type RedriveCommand } from './parseRedriveArgs.ts';
import { type DeadLetterPeek, peekDeadLetters } from './peekDeadLetters.ts';
import { type RelayRedriveReport, redriveRelayDeadLetters } from './redriveRelay.ts';
import type { DeadLetterListing } from './types.ts';

/** The AWS clients the redrive uses; the command line builds them once from the environment. */
export interface RedriveClients {
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
}

/** What one redrive command did. */
export type RedriveOutcome =
  | { readonly mode: 'help'; readonly usage: string }
  | { readonly mode: 'dry-run'; readonly peek: DeadLetterPeek }
  | { readonly mode: 'move'; readonly move: StartedMove }
  | {
      readonly mode: 'status';
      readonly sourceArn: string;
      readonly tasks: readonly MoveTaskStatus[];
    }
  | { readonly mode: 'relay'; readonly report: RelayRedriveReport };

/**
 * Runs one redrive command with the given clients.
 * @throws RedriveRequestError when an AWS call the command cannot do without fails.
 */
export async function runRedrive(
  command: RedriveCommand,
  clients: RedriveClients,
): Promise<RedriveOutcome> {
  switch (command.mode) {
    case 'help':
      return { mode: 'help', usage: REDRIVE_USAGE };
    case 'dry-run':
      return {
        mode: 'dry-run',
        peek: await peekDeadLetters({
          client: clients.sqs,
          queueUrl: command.queueUrl,
          max: command.max,
        }),
      };
    case 'move':
      return {
        mode: 'move',
        move: await startDeadLetterMove({
          client: clients.sqs,
          queueUrl: command.queueUrl,
          ...(command.destinationArn ? { destinationArn: command.destinationArn } : {}),
          ...(command.maxPerSecond ? { maxPerSecond: command.maxPerSecond } : {}),
        }),
      };
    case 'status':
      return {
        mode: 'status',
        ...(await listDeadLetterMoves({ client: clients.sqs, queueUrl: command.queueUrl })),
      };
    case 'relay':
      return {
        mode: 'relay',
        report: await redriveRelayDeadLetters({
          sqs: clients.sqs,
          dynamodb: clients.dynamodb,
          queueUrl: command.queueUrl,
          tableName: command.tableName,
          dryRun: command.dryRun,
          max: command.max,
        }),
      };
  }
}

function listingLines(listing: DeadLetterListing): string[] {
  const fields = [
    `event ${listing.eventId ?? '(unknown)'}`,
    `type ${listing.eventType ?? '(unknown)'}`,
    `from ${listing.origin}`,
    ...(listing.receiveCount !== undefined ? [`receives ${listing.receiveCount}`] : []),
    ...(listing.sourceQueue ? [`queue ${listing.sourceQueue}`] : []),
    ...(listing.sequenceNumber ? [`sequence ${listing.sequenceNumber}`] : []),
  ];
  return [`- message ${listing.messageId}: ${fields.join(', ')}`, `    ${reasonText(listing)}`];
}

/**
 * The reason, led by the error's name once: the consumer's reasons already start with it
 * (`describeError`), the relay's and SQS's do not.
 */
function reasonText({ errorName, reason }: DeadLetterListing): string {
  if (!errorName || reason === errorName || reason.startsWith(`${errorName}:`)) return reason;
  return `${errorName}: ${reason}`;
}

/** The text a redrive command prints: the listing or the task, and a summary line. */
export function formatRedriveOutcome(outcome: RedriveOutcome): string {
  switch (outcome.mode) {
    case 'help':
      return outcome.usage;
    case 'dry-run': {
      const { peek } = outcome;
      const byOrigin = new Map<string, number>();
      for (const l of peek.listings) byOrigin.set(l.origin, (byOrigin.get(l.origin) ?? 0) + 1);
      return [
        `Dry run of ${peek.queueUrl}: nothing was moved or deleted.`,
        ...peek.listings.flatMap(listingLines),
        `Would move ${peek.listings.length} message(s)${
          byOrigin.size ? ` (${[...byOrigin].map(([o, n]) => `${n} from ${o}`).join(', ')})` : ''
        }.`,
        ...(peek.unreleased.length
          ? [
              `${peek.unreleased.length} message(s) could not be made visible again; they reappear after 30 s.`,
            ]
          : []),
      ].join('\n');
    }
    case 'move': {
      const { move } = outcome;
      return [
        `Started moving the messages of ${move.sourceArn} to ${move.destinationArn ?? 'their source queues'}.`,
        `Task handle: ${move.taskHandle}`,
        'Follow it with --status; moved events are processed again, and the ledger absorbs any that were sent before.',
      ].join('\n');
    }
    case 'status': {
      if (outcome.tasks.length === 0) return `No message move tasks for ${outcome.sourceArn}.`;
      return [
        `Message move tasks of ${outcome.sourceArn} (newest first):`,
        ...outcome.tasks.map(
          (t) =>
            `- ${t.status}: ${t.moved ?? 0} of ${t.toMove ?? '?'} moved to ${t.destinationArn ?? 'their source queues'}${
              t.startedAt !== undefined ? `, started ${new Date(t.startedAt).toISOString()}` : ''
            }${t.failureReason ? `, failed: ${t.failureReason}` : ''}${t.taskHandle ? ` [${t.taskHandle}]` : ''}`,
        ),
      ].join('\n');
    }
    case 'relay': {
      const { report } = outcome;
      const c = report.counts;
      const summary = report.dryRun
        ? `Dry run: would re-stage ${c['would-restage']}; would return ${c['would-return-to-pending']} set-aside item(s) to pending; ${c['covered-by-sweeper']} covered by the sweeper; ${c['not-restageable']} not re-stageable. Nothing was written or deleted.`
        : `Re-staged ${c.restaged}; ${c['returned-to-pending']} returned to pending; ${c['already-in-table']} already in the table; ${c['covered-by-sweeper']} covered by the sweeper; ${c['not-restageable']} not re-stageable; ${c.failed} failed.`;
      return [
        `Relay dead letters of ${report.queueUrl} -> table ${report.tableName}${report.dryRun ? ' (dry run)' : ''}:`,
        ...report.entries.flatMap((e) => [
          ...listingLines(e.listing),
          `    ${e.action}: ${e.detail}`,
        ]),
        summary,
      ].join('\n');
    }
  }
}

/** The exit code for an outcome: 1 when any relay letter failed, else 0. */
export function redriveExitCode(outcome: RedriveOutcome): number {
  return outcome.mode === 'relay' && outcome.report.counts.failed > 0 ? 1 : 0;
}

/** Where the command line writes. */
export interface RedriveCliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/**
 * The whole `npm run redrive` command: parses `argv`, runs, prints, and returns the exit code:
 * 0 done, 1 an AWS call or a letter failed, 2 the arguments are wrong. Clients are built only
 * when the arguments are good (from the environment's region and credentials by default).
 *
 * @example
 * process.exitCode = await redriveCli(process.argv.slice(2));
 */
export async function redriveCli(
  argv: readonly string[],
  options: { readonly clients?: () => RedriveClients; readonly io?: RedriveCliIo } = {},
): Promise<number> {
  const io = options.io ?? {
    out: (text: string) => process.stdout.write(`${text}\n`),
    err: (text: string) => process.stderr.write(`${text}\n`),
  };
  let command: RedriveCommand;
  try {
    command = parseRedriveArgs(argv);
  } catch (error) {
    io.err(`redrive: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  if (command.mode === 'help') {
    io.out(REDRIVE_USAGE);
    return 0;
  }
  const clients = (
    options.clients ?? (() => ({ sqs: new SQSClient({}), dynamodb: new DynamoDBClient({}) }))
  )();
  try {
    const outcome = await runRedrive(command, clients);
    io.out(formatRedriveOutcome(outcome));
    return redriveExitCode(outcome);
  } catch (error) {
    const usage = error instanceof RedriveUsageError;
    io.err(`redrive: ${error instanceof TidingsError ? error.message : describeError(error)}`);
    return usage ? 2 : 1;
  }
}
