import type { SendError } from '../notifications/errors.ts';
import { type AwsErrorRules, classifyAwsError } from './classifyAwsError.ts';

/** SES v2 `SendEmail` errors, by name without `Exception`. */
export const SES_ERROR_RULES: AwsErrorRules = {
  operation: 'SES SendEmail',
  permanent: new Set([
    'MessageRejected',
    'MailFromDomainNotVerified',
    'BadRequest',
    'NotFound',
    'AccountSuspended',
  ]),
  // SendingPaused: sending was paused for the account or configuration set; it resumes.
  transient: new Set(['TooManyRequests', 'LimitExceeded', 'SendingPaused', 'InternalServiceError']),
};

/**
 * Sorts an SES v2 `SendEmail` error: a rejected message, an unverified identity, a bad request,
 * a missing configuration set or a suspended account are permanent; throttling, quotas, paused
 * sending, 5xx and network errors are transient. The SDK error is the `cause`.
 */
export function classifySesError(error: unknown): SendError {
  return classifyAwsError(error, 'email', SES_ERROR_RULES);
}
