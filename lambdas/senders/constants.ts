/** Defaults of the webhook sender. */
export const WebhookDefaults = {
  /** Time allowed for DNS, connect, TLS and the response headers together. */
  TIMEOUT_MS: 10_000,
  /** Bytes of a response body read at most (kept for error messages); the rest is dropped. */
  MAX_RESPONSE_BYTES: 4096,
  /** Sent unless the notification's headers set their own. */
  USER_AGENT: 'Tidings-Webhooks/1',
  /**
   * How long a signing secret from a loader is used before it is loaded again: a rotated
   * secret reaches every warm consumer within this time.
   */
  SECRET_MAX_AGE_MS: 5 * 60_000,
} as const;

/** The Standard Webhooks headers; a notification's own headers can never replace them. */
export const WebhookHeader = {
  ID: 'webhook-id',
  TIMESTAMP: 'webhook-timestamp',
  SIGNATURE: 'webhook-signature',
} as const;

/**
 * SES message tags the email sender adds, for event publishing through a configuration set.
 * Names and values may only hold ASCII letters, digits, `_` and `-`, at most 256 characters.
 */
export const EmailTagName = {
  EVENT_ID: 'tidings-event-id',
  EVENT_TYPE: 'tidings-event-type',
} as const;
