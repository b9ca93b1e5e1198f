/**
 * Environment variables the Lambda handlers read. The CDK construct sets them; a local run
 * or a test sets them by hand. One list, so the two sides cannot drift apart.
 */
export const Env = {
  /** The table holding business items and outbox items. */
  TABLE_NAME: 'TIDINGS_TABLE_NAME',
  /** The SQS queue the relay sends events to (a `.fifo` URL selects FIFO behaviour). */
  QUEUE_URL: 'TIDINGS_QUEUE_URL',
  /** The SQS queue where the relay puts records it can never relay, with the reason. */
  RELAY_DLQ_URL: 'TIDINGS_RELAY_DLQ_URL',
  /** The consumer's dead-letter queue, where permanent failures go with their reason. */
  CONSUMER_DLQ_URL: 'TIDINGS_CONSUMER_DLQ_URL',
  /** The verified SES identity emails are sent from. */
  FROM_ADDRESS: 'TIDINGS_FROM_ADDRESS',
  /** Optional SES configuration set for sends (event publishing, suppression). */
  SES_CONFIGURATION_SET: 'TIDINGS_SES_CONFIGURATION_SET',
  /** Secrets Manager ARN of the `whsec_...` webhook signing secret. */
  WEBHOOK_SECRET_ARN: 'TIDINGS_WEBHOOK_SECRET_ARN',
  /**
   * Seconds the consumer uses the webhook signing secrets it read before reading them again
   * (1 to 86400). Unset: 300, so a rotation reaches every warm consumer within 5 minutes.
   */
  WEBHOOK_SECRET_MAX_AGE_SECONDS: 'TIDINGS_WEBHOOK_SECRET_MAX_AGE_SECONDS',
  /** The idempotency ledger table. */
  LEDGER_TABLE_NAME: 'TIDINGS_LEDGER_TABLE_NAME',
  /**
   * The events queue's redrive `maxReceiveCount`: the consumer dead-letters a transient
   * failure on that receive with its reason. Unset: it leaves the move to the redrive policy.
   */
  MAX_RECEIVE_COUNT: 'TIDINGS_MAX_RECEIVE_COUNT',
  /** `true` only for local runs: allows http webhooks to loopback. Never set on AWS. */
  ALLOW_LOOPBACK_WEBHOOKS: 'TIDINGS_ALLOW_LOOPBACK_WEBHOOKS',
} as const;

/**
 * CloudWatch metric namespace and names the handlers emit (Powertools Metrics, EMF). Named so it
 * does not shadow Powertools' `Metrics` class beside which the handlers use it.
 */
export const MetricName = {
  NAMESPACE: 'Tidings',
  /** Producer: events written to the outbox in committed transactions. */
  EVENTS_STAGED: 'EventsStaged',
  /** Relay and sweeper: events the queue accepted. */
  EVENTS_RELAYED: 'EventsRelayed',
  /** Relay: records that can never be relayed, sent to the relay DLQ. */
  EVENTS_UNRELAYABLE: 'EventsUnrelayable',
  /** Sweeper: events it found unrelayed past the threshold and relayed. */
  EVENTS_SWEPT: 'EventsSwept',
  /** Sweeper: age of the oldest outbox item still waiting for the relay. */
  OLDEST_PENDING_AGE_SECONDS: 'OldestPendingAgeSeconds',
  /** Consumer: notifications sent, with a `channel` dimension. */
  NOTIFICATIONS_SENT: 'NotificationsSent',
  /** Consumer: notifications that failed, with `channel` and `permanent` dimensions. */
  NOTIFICATIONS_FAILED: 'NotificationsFailed',
  /** Consumer: events acknowledged unsent because no mapper takes their type (`skipUnmapped`). */
  EVENTS_UNMAPPED: 'EventsUnmapped',
} as const;

/**
 * The Powertools service name of a handler: `POWERTOOLS_SERVICE_NAME` as the CDK construct
 * sets it (alarms and the dashboard filter on it), else `tidings-<role>`.
 */
export function serviceName(role: 'producer' | 'relay' | 'consumer' | 'sweeper'): string {
  return process.env.POWERTOOLS_SERVICE_NAME || `tidings-${role}`;
}
