import { isPermanentSdkError, sdkErrorCode } from '../aws/relayErrors.ts';
import { TidingsError } from '../errors.ts';

/** Base class of errors from the redrive command. */
export abstract class RedriveError extends TidingsError {}

/**
 * The command line cannot be run: an unknown or missing option, options that exclude each
 * other, a value out of range. Permanent: the same arguments fail the same way.
 */
export class RedriveUsageError extends RedriveError {
  readonly permanent = true;

  constructor(
    /** What is wrong, naming the option and the value. */
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** `--queue` is not an SQS queue URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`). */
export class InvalidQueueUrlError extends RedriveError {
  readonly permanent = true;

  constructor(
    readonly url: string,
    /** Which part is wrong. */
    readonly reason: string,
  ) {
    super(`not an SQS queue URL: ${JSON.stringify(url)} (${reason})`);
  }
}

/** `--to` (or a queue's `QueueArn`) is not an SQS queue ARN (`arn:aws:sqs:<region>:<account>:<name>`). */
export class InvalidQueueArnError extends RedriveError {
  readonly permanent = true;

  constructor(readonly arn: string) {
    super(
      `not an SQS queue ARN: ${JSON.stringify(arn)} (expected arn:aws:sqs:<region>:<12-digit account>:<queue name>)`,
    );
  }
}

/**
 * An AWS call the redrive made failed. `code` is the SDK error's name; `permanent` follows the
 * SDK's fault (access denied or a missing queue are permanent, throttling is not).
 */
export class RedriveRequestError extends RedriveError {
  readonly permanent: boolean;
  readonly code: string;

  constructor(
    /** The AWS action, e.g. `StartMessageMoveTask`. */
    readonly action: string,
    /** The queue URL, queue ARN or table the call was about. */
    readonly target: string,
    cause: unknown,
  ) {
    const code = sdkErrorCode(cause);
    const detail = cause instanceof Error && cause.message ? `: ${cause.message}` : '';
    super(`${action} on ${JSON.stringify(target)} failed: ${code}${detail}`, { cause });
    this.code = code;
    this.permanent = isPermanentSdkError(cause);
  }
}
