/**
 * The root of every error Tidings throws on purpose.
 *
 * `permanent` is what retry logic reads: a permanent error will fail the same way on every
 * attempt, so the message goes to a dead-letter queue with its reason instead of being
 * retried; a transient one (throttling, a 5xx, a timeout) is worth another attempt.
 */
export abstract class TidingsError extends Error {
  /** True when retrying cannot help; the work goes to a dead-letter queue with its reason. */
  abstract readonly permanent: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Whether an error is permanent. Errors Tidings does not know are treated as transient: they
 * are retried and, if they keep failing, still end on the dead-letter queue after the
 * queue's `maxReceiveCount`, so nothing is lost by guessing "transient".
 */
export function isPermanentError(error: unknown): boolean {
  return error instanceof TidingsError && error.permanent;
}

/** A one-line reason for an error, for dead-letter records and logs. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * An error's name, as a dead letter's `deadLetterError` carries it: the class name of a Tidings
 * error, the code of an AWS SDK error (its `name`), or `UnknownError`.
 */
export function errorName(error: unknown): string {
  const name = (error as { readonly name?: unknown } | null)?.name;
  return typeof name === 'string' && name.length > 0 ? name : 'UnknownError';
}
