import { parseArgs } from 'node:util';
import { RedriveUsageError } from './errors.ts';
import { checkQueueArn, checkQueueUrl } from './queueIdentity.ts';

/** The most messages a dry run lists (or a relay redrive handles) when `--max` is not given. */
export const DEFAULT_MAX_MESSAGES = 100;
/** The most `--max` may ask for. */
export const MAX_MESSAGES_LIMIT = 10_000;
/** SQS's limit for `MaxNumberOfMessagesPerSecond` of a message move task. */
export const MAX_MOVE_RATE = 500;

/** What `npm run redrive` was asked to do, read from its arguments. */
export type RedriveCommand =
  /** Print the usage text. */
  | { readonly mode: 'help' }
  /** List what would move and why each message failed; nothing is moved or deleted. */
  | { readonly mode: 'dry-run'; readonly queueUrl: string; readonly max: number }
  /** Start an SQS message move task from the DLQ (back to its sources, or to `destinationArn`). */
  | {
      readonly mode: 'move';
      readonly queueUrl: string;
      readonly destinationArn?: string;
      readonly maxPerSecond?: number;
    }
  /** List the DLQ's message move tasks. */
  | { readonly mode: 'status'; readonly queueUrl: string }
  /** Re-stage the relay DLQ's outbox items in the table (`dryRun`: only say what would happen). */
  | {
      readonly mode: 'relay';
      readonly queueUrl: string;
      readonly tableName: string;
      readonly dryRun: boolean;
      readonly max: number;
    };

/** The usage text `--help` prints. */
export const REDRIVE_USAGE = `Usage: tidings redrive --queue <dlq-url> [options]
(in this repository: npm run redrive -- --queue <dlq-url> [options])

Moves dead-lettered messages back for reprocessing.

  --queue <url>            the dead-letter queue (required)
  --dry-run                list what would move and why each message failed; moves nothing
  --max <n>                messages a dry run lists or a relay redrive handles (default ${DEFAULT_MAX_MESSAGES})
  --to <queue-arn>         move to this queue instead of each message's source queue
  --max-per-second <n>     move at most n messages a second (1-${MAX_MOVE_RATE}; default: SQS's optimum)
  --status                 list the queue's message move tasks
  --relay --table <name>   the relay's DLQ: write dead-lettered outbox items back to the table,
                           so the stream relays them again (with --dry-run: only say what would happen)
  -h, --help               print this text

Examples:
  tidings redrive --queue https://sqs.eu-west-1.amazonaws.com/123456789012/tidings-dlq --dry-run
  tidings redrive --queue https://sqs.eu-west-1.amazonaws.com/123456789012/tidings-dlq
  tidings redrive --queue https://sqs.eu-west-1.amazonaws.com/123456789012/tidings-dlq --status
  tidings redrive --relay --queue https://sqs.eu-west-1.amazonaws.com/123456789012/tidings-relay-dlq --table tidings
`;

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

function integer(option: string, value: string, min: number, max: number): number {
  const number = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max) {
    throw new RedriveUsageError(
      `--${option} must be an integer from ${min} to ${max}: ${JSON.stringify(value)}`,
    );
  }
  return number;
}

function refuse(present: Record<string, unknown>, names: readonly string[], because: string) {
  const given = names.filter((name) => present[name] !== undefined && present[name] !== false);
  if (given.length > 0) {
    throw new RedriveUsageError(`${given.map((name) => `--${name}`).join(', ')} ${because}`);
  }
}

/**
 * Reads the redrive command from its arguments (`process.argv.slice(2)`).
 *
 * @throws RedriveUsageError for an unknown option, a missing `--queue`, options that exclude
 *   each other, or a number out of range.
 * @throws InvalidQueueUrlError / InvalidQueueArnError for a malformed `--queue` / `--to`.
 *
 * @example
 * parseRedriveArgs(['--queue', url, '--dry-run']); // { mode: 'dry-run', queueUrl: url, max: 100 }
 */
export function parseRedriveArgs(argv: readonly string[]): RedriveCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        queue: { type: 'string' },
        'dry-run': { type: 'boolean' },
        max: { type: 'string' },
        to: { type: 'string' },
        'max-per-second': { type: 'string' },
        status: { type: 'boolean' },
        relay: { type: 'boolean' },
        table: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new RedriveUsageError(
      `${error instanceof Error ? error.message : String(error)} (see --help)`,
    );
  }
  if (values.help) return { mode: 'help' };
  const queue = values.queue;
  if (typeof queue !== 'string' || queue.trim() === '') {
    throw new RedriveUsageError('--queue <dlq-url> is required (see --help)');
  }
  const queueUrl = checkQueueUrl(queue);
  const max =
    typeof values.max === 'string' ? integer('max', values.max, 1, MAX_MESSAGES_LIMIT) : undefined;

  if (values.status) {
    refuse(
      values,
      ['dry-run', 'relay', 'table', 'to', 'max-per-second', 'max'],
      'cannot be used with --status',
    );
    return { mode: 'status', queueUrl };
  }
  if (values.relay) {
    refuse(
      values,
      ['to', 'max-per-second'],
      'cannot be used with --relay: relay letters are re-staged in the table, not moved',
    );
    const table = values.table;
    if (typeof table !== 'string' || !TABLE_NAME.test(table)) {
      throw new RedriveUsageError(
        `--relay needs --table <name>, a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -): ${JSON.stringify(table ?? null)}`,
      );
    }
    return {
      mode: 'relay',
      queueUrl,
      tableName: table,
      dryRun: values['dry-run'] === true,
      max: max ?? DEFAULT_MAX_MESSAGES,
    };
  }
  refuse(values, ['table'], 'is only for --relay');
  if (values['dry-run']) {
    refuse(
      values,
      ['to', 'max-per-second'],
      'cannot be used with --dry-run: a dry run moves nothing',
    );
    return { mode: 'dry-run', queueUrl, max: max ?? DEFAULT_MAX_MESSAGES };
  }
  refuse(
    values,
    ['max'],
    'is for --dry-run and --relay; a move task takes every message (use --max-per-second to pace it)',
  );
  const to = values.to;
  const rate = values['max-per-second'];
  return {
    mode: 'move',
    queueUrl,
    ...(typeof to === 'string' ? { destinationArn: checkQueueArn(to) } : {}),
    ...(typeof rate === 'string'
      ? { maxPerSecond: integer('max-per-second', rate, 1, MAX_MOVE_RATE) }
      : {}),
  };
}
