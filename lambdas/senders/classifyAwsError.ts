import { SendError } from '../notifications/errors.ts';
import type { NotificationKind } from '../notifications/types.ts';

/** Error names (without a trailing `Exception`) one AWS service uses, sorted by retry value. */
export interface AwsErrorRules {
  /** The service and operation, for messages: `SES SendEmail`. */
  readonly operation: string;
  /** Refused the same way on every attempt. */
  readonly permanent: ReadonlySet<string>;
  /** Worth another attempt. */
  readonly transient: ReadonlySet<string>;
}

/**
 * Names every AWS service and the SDK use for conditions that pass with time, without a
 * trailing `Exception` (matched as the service lists are: `ExpiredTokenException` is
 * `ExpiredToken`), and the Node network error codes the HTTP handler reports.
 */
export const COMMON_TRANSIENT: ReadonlySet<string> = new Set([
  'Throttling',
  'RequestLimitExceeded',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalServerError',
  'RequestTimeout',
  'TimeoutError',
  // The credentials expired before the call reached the service: the next invocation signs
  // with fresh ones.
  'ExpiredToken',
  'RequestExpired',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

interface SdkErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly $fault?: unknown;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

/** `EndpointDisabledException` and `EndpointDisabled` are the same condition. */
function baseName(name: string): string {
  return name.endsWith('Exception') ? name.slice(0, -'Exception'.length) : name;
}

/**
 * Turns an error from an AWS SDK call into a `SendError` for `channel`: the service's own
 * lists first, then the common transient names, throttling (429), request timeouts (408),
 * 5xx, server faults and network errors as transient, other client faults as permanent. Every
 * name is compared without a trailing `Exception`. An error it cannot place is transient: a
 * retry costs little and the queue's `maxReceiveCount` still ends it on the dead-letter queue.
 */
export function classifyAwsError(
  error: unknown,
  channel: NotificationKind,
  rules: AwsErrorRules,
): SendError {
  if (error instanceof SendError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = typeof e.name === 'string' && e.name ? e.name : 'Error';
  const code = typeof e.code === 'string' && e.code ? e.code : undefined;
  // Network errors from the HTTP handler are plain `Error`s that carry only a `code`.
  const reason = name === 'Error' && code ? code : name;
  const base = baseName(reason);
  const status = e.$metadata?.httpStatusCode;
  let permanent: boolean;
  if (rules.permanent.has(base)) permanent = true;
  else if (rules.transient.has(base) || COMMON_TRANSIENT.has(base)) permanent = false;
  else if (
    e.$fault === 'server' ||
    e.$retryable ||
    (typeof status === 'number' && (status >= 500 || status === 429 || status === 408))
  ) {
    permanent = false;
  } else permanent = e.$fault === 'client';
  const detail = typeof e.message === 'string' && e.message ? e.message : String(error);
  return new SendError({
    channel,
    reason,
    permanent,
    message: `${rules.operation} failed (${permanent ? 'permanent' : 'transient'}): ${reason}: ${detail}`,
    cause: error,
  });
}
