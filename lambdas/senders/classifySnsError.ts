import type { SendError } from '../notifications/errors.ts';
import { type AwsErrorRules, classifyAwsError } from './classifyAwsError.ts';

/** SNS `Publish` errors, by name without `Exception`. */
export const SNS_ERROR_RULES: AwsErrorRules = {
  operation: 'SNS Publish',
  permanent: new Set([
    // The device uninstalled the app or its token expired: the endpoint will stay disabled.
    'EndpointDisabled',
    'PlatformApplicationDisabled',
    'InvalidParameter',
    'InvalidParameterValue',
    'NotFound',
    'ResourceNotFound',
    'AuthorizationError',
    'InvalidSecurity',
    'KMSDisabled',
    'KMSNotFound',
    'KMSAccessDenied',
    'KMSInvalidState',
    'KMSOptInRequired',
  ]),
  transient: new Set(['Throttled', 'KMSThrottling', 'InternalError']),
};

/**
 * Sorts an SNS `Publish` error: a disabled endpoint, invalid parameters, a missing endpoint or
 * denied access are permanent; throttling, KMS throttling, internal errors, 5xx and network
 * errors are transient. The SDK error is the `cause`.
 */
export function classifySnsError(error: unknown): SendError {
  return classifyAwsError(error, 'push', SNS_ERROR_RULES);
}
