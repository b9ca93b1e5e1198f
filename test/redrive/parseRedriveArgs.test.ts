import { describe, expect, it } from 'vitest';
import {
  InvalidQueueArnError,
  InvalidQueueUrlError,
  RedriveUsageError,
} from '../../lambdas/redrive/errors.ts';
import { parseRedriveArgs } from '../../lambdas/redrive/parseRedriveArgs.ts';
import { thrownBy } from '../helpers/events.ts';

const DLQ = 'https://sqs.us-east-1.amazonaws.com/123456789012/tidings-dlq';
const TARGET = 'arn:aws:sqs:us-east-1:123456789012:tidings-events';

describe('parseRedriveArgs', () => {
  it('reads a dry run, a move, a status request and a relay redrive', () => {
    expect(parseRedriveArgs(['--queue', DLQ, '--dry-run', '--max', '25'])).toEqual({
      mode: 'dry-run',
      queueUrl: DLQ,
      max: 25,
    });
    expect(parseRedriveArgs(['--queue', DLQ, '--to', TARGET, '--max-per-second', '50'])).toEqual({
      mode: 'move',
      queueUrl: DLQ,
      destinationArn: TARGET,
      maxPerSecond: 50,
    });
    expect(parseRedriveArgs(['--queue', DLQ])).toEqual({ mode: 'move', queueUrl: DLQ });
    expect(parseRedriveArgs(['--queue', DLQ, '--status'])).toEqual({
      mode: 'status',
      queueUrl: DLQ,
    });
    expect(
      parseRedriveArgs(['--relay', '--queue', DLQ, '--table', 'tidings', '--dry-run']),
    ).toEqual({
      mode: 'relay',
      queueUrl: DLQ,
      tableName: 'tidings',
      dryRun: true,
      max: 100,
    });
    expect(parseRedriveArgs(['-h'])).toEqual({ mode: 'help' });
  });

  it('accepts a local endpoint URL such as LocalStack', () => {
    const local = 'http://localhost:4566/000000000000/tidings-dlq.fifo';
    expect(parseRedriveArgs(['--queue', local, '--dry-run'])).toMatchObject({ queueUrl: local });
  });

  it('requires --queue', () => {
    const error = thrownBy(() => parseRedriveArgs(['--dry-run']));
    expect(error).toBeInstanceOf(RedriveUsageError);
    expect((error as Error).message).toContain('--queue <dlq-url> is required');
  });

  it.each([
    ['not a URL', 'sqs-dlq', 'does not parse as a URL'],
    ['a non-http scheme', 'ftp://sqs.us-east-1.amazonaws.com/123456789012/dlq', 'protocol ftp:'],
    [
      'no account in the path',
      'https://sqs.us-east-1.amazonaws.com/dlq',
      '/<account>/<queue name>',
    ],
    [
      'an account that is not 12 digits',
      'https://sqs.us-east-1.amazonaws.com/1234/dlq',
      '"1234" is not 12 digits',
    ],
    [
      'a bad queue name',
      'https://sqs.us-east-1.amazonaws.com/123456789012/dl%20q',
      'is not a queue name',
    ],
  ])('refuses a queue URL with %s, naming it', (_case, url, why) => {
    const error = thrownBy(() => parseRedriveArgs(['--queue', url, '--dry-run']));
    expect(error).toBeInstanceOf(InvalidQueueUrlError);
    expect((error as Error).message).toContain(JSON.stringify(url));
    expect((error as Error).message).toContain(why);
    expect((error as InvalidQueueUrlError).permanent).toBe(true);
  });

  it('refuses a --to that is not an SQS queue ARN', () => {
    const error = thrownBy(() =>
      parseRedriveArgs(['--queue', DLQ, '--to', 'arn:aws:sns:us-east-1:123456789012:topic']),
    );
    expect(error).toBeInstanceOf(InvalidQueueArnError);
    expect((error as Error).message).toContain('"arn:aws:sns:us-east-1:123456789012:topic"');
  });

  it.each([
    [['--queue', DLQ, '--relay'], '--relay needs --table'],
    [['--queue', DLQ, '--relay', '--table', 'x'], '--relay needs --table <name>'],
    [['--queue', DLQ, '--table', 'tidings'], '--table is only for --relay'],
    [['--queue', DLQ, '--dry-run', '--to', TARGET], '--to cannot be used with --dry-run'],
    [['--queue', DLQ, '--status', '--dry-run'], '--dry-run cannot be used with --status'],
    [
      ['--queue', DLQ, '--relay', '--table', 'tidings', '--to', TARGET],
      '--to cannot be used with --relay',
    ],
    [
      ['--queue', DLQ, '--max-per-second', '0'],
      '--max-per-second must be an integer from 1 to 500: "0"',
    ],
    [['--queue', DLQ, '--max-per-second', '501'], 'from 1 to 500: "501"'],
    [
      ['--queue', DLQ, '--dry-run', '--max', '2.5'],
      '--max must be an integer from 1 to 10000: "2.5"',
    ],
    [['--queue', DLQ, '--max', '5'], '--max is for --dry-run and --relay'],
    [['--queue', DLQ, '--bogus'], "Unknown option '--bogus'"],
    [['--queue', DLQ, 'extra'], "Unexpected argument 'extra'"],
  ])('refuses %j', (argv, message) => {
    const error = thrownBy(() => parseRedriveArgs(argv));
    expect(error).toBeInstanceOf(RedriveUsageError);
    expect((error as Error).message).toContain(message);
  });
});
