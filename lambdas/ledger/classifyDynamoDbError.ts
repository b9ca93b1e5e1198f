/** Error names DynamoDB or the SDK use for conditions that pass with time: retry them. */
const TRANSIENT_NAMES: ReadonlySet<string> = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'LimitExceededException',
  'TransactionConflictException',
  'ExpiredTokenException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Error names for requests DynamoDB will refuse every time: retrying cannot help. */
const PERMANENT_NAMES: ReadonlySet<string> = new Set([
  'ValidationException',
  'ResourceNotFoundException',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
  'ItemCollectionSizeLimitExceededException',
  'SerializationException',
]);

/** How a DynamoDB error should be treated. */
export interface DynamoDbErrorClass {
  /** The error's name (`ThrottlingException`), or `Error` when it has none. */
  readonly reason: string;
  readonly permanent: boolean;
}

/**
 * Sorts a DynamoDB or SDK error into transient (throttling, 5xx, timeouts, network errors:
 * worth a retry) or permanent (validation, a missing table, denied access). Errors it does
 * not recognise are transient: a retry costs little and a queue's `maxReceiveCount` still
 * ends it on the dead-letter queue.
 */
export function classifyDynamoDbError(error: unknown): DynamoDbErrorClass {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    $fault?: unknown;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const reason = typeof e.name === 'string' && e.name ? e.name : 'Error';
  if (TRANSIENT_NAMES.has(reason)) return { reason, permanent: false };
  if (PERMANENT_NAMES.has(reason)) return { reason, permanent: true };
  const status = e.$metadata?.httpStatusCode;
  if (e.$fault === 'server' || e.$retryable || (typeof status === 'number' && status >= 500)) {
    return { reason, permanent: false };
  }
  if (e.$fault === 'client') return { reason, permanent: true };
  return { reason, permanent: false };
}
