import { TidingsError } from '../../../lambdas/index.ts';

/** Base class of errors about requests to the producer Lambda. */
export abstract class ProducerError extends TidingsError {}

/**
 * An HTTP request to the producer cannot be read: no body, a body that is not JSON, or a
 * method other than POST. Permanent: the same request fails the same way.
 */
export class MalformedRequestError extends ProducerError {
  readonly permanent = true;

  constructor(
    /** What is wrong, e.g. `body is not JSON (6 characters)`. */
    readonly reason: string,
    /** The HTTP status to answer with: 400, or 405 for a method other than POST. */
    readonly statusCode: 400 | 405 = 400,
    options?: { cause?: unknown },
  ) {
    super(`malformed request: ${reason}`, options);
  }
}
