import { MessageCharacterError, type SchemaIssue, TidingsError } from '../../../lambdas/index.ts';
import { InvalidRegistrationError, UserAlreadyExistsError } from '../errors.ts';
import type { RegisteredUser } from '../registerUser.ts';
import { MalformedRequestError } from './errors.ts';
import type { ProducerTransport } from './parseProducerEvent.ts';

/** The producer's answer body: the new ids, or an error with the fields at fault. */
export type ProducerResponseBody =
  | RegisteredUser
  | { readonly error: string; readonly issues?: readonly SchemaIssue[] };

/** The producer's answer to a direct invoke: the HTTP status and body, as an object. */
export interface DirectProducerResult {
  readonly statusCode: number;
  readonly body: ProducerResponseBody;
}

/** The producer's answer to a Function URL or API Gateway request. */
export interface HttpProducerResult {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The JSON of a `ProducerResponseBody`. */
  readonly body: string;
}

/** What the producer handler returns, in the form of the request it answers. */
export type ProducerResult = DirectProducerResult | HttpProducerResult;

/** A status, a body and extra headers, before they are put in the request's form. */
export interface ProducerOutcome {
  readonly statusCode: number;
  readonly body: ProducerResponseBody;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The outcome of a committed registration: 201 with the user and event ids. */
export function createdOutcome(user: RegisteredUser): ProducerOutcome {
  return { statusCode: 201, body: { userId: user.userId, eventId: user.eventId } };
}

/**
 * The request field of a staged event's field: the registration payload carries the
 * request's fields under their own names, so `payload.name` is the request's `name`.
 */
function requestFieldOf(eventField: string): string {
  if (eventField === 'payload') return '(root)';
  return eventField.startsWith('payload.') ? eventField.slice('payload.'.length) : eventField;
}

/**
 * The outcome of a failed registration: 400 with the fields for invalid or malformed input
 * (a character SQS refuses in a field included, since the event could never be relayed),
 * 405 for a method other than POST, 409 for a taken email, 503 (with `retry-after`) for a
 * transient failure such as throttling, 500 for anything else (a permanent AWS failure, or
 * an error Tidings did not raise, which is a bug rather than something to retry). 5xx bodies say nothing of
 * the cause, which is logged instead; the 409 body does not repeat the address.
 */
export function errorOutcome(error: unknown): ProducerOutcome {
  if (error instanceof InvalidRegistrationError) {
    return { statusCode: 400, body: { error: error.message, issues: error.issues } };
  }
  if (error instanceof MalformedRequestError) {
    return {
      statusCode: error.statusCode,
      body: { error: error.message, issues: [{ path: '(root)', message: error.reason }] },
      ...(error.statusCode === 405 ? { headers: { allow: 'POST' } } : {}),
    };
  }
  if (error instanceof MessageCharacterError) {
    return {
      statusCode: 400,
      body: {
        error: error.message,
        issues: [
          {
            path: requestFieldOf(error.path),
            message: `holds U+${error.codePoint.toString(16).toUpperCase().padStart(4, '0')} at index ${error.index}, which SQS refuses in a message`,
          },
        ],
      },
    };
  }
  if (error instanceof UserAlreadyExistsError) {
    // The caller sent the address; the answer need not repeat it (see examples/signup/README.md
    // for what a 409 here tells anyone who asks, and the usual alternative).
    return { statusCode: 409, body: { error: 'this email address is already registered' } };
  }
  if (error instanceof TidingsError && !error.permanent) {
    return {
      statusCode: 503,
      body: { error: 'the service is busy: retry shortly' },
      headers: { 'retry-after': '1' },
    };
  }
  return { statusCode: 500, body: { error: 'internal error' } };
}

/**
 * Puts an outcome in the form of its request: for HTTP, a JSON string body with a
 * `content-type` header; for a direct invoke, `{ statusCode, body }` with the body as an
 * object.
 */
export function toProducerResult(
  outcome: ProducerOutcome,
  transport: ProducerTransport,
): ProducerResult {
  if (transport === 'direct') return { statusCode: outcome.statusCode, body: outcome.body };
  return {
    statusCode: outcome.statusCode,
    headers: { 'content-type': 'application/json', ...outcome.headers },
    body: JSON.stringify(outcome.body),
  };
}
