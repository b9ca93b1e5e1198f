import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { sqsRecordDeadLetters } from './aws/deadLetter.ts';
import { SqsQueueSender } from './aws/SqsQueueSender.ts';
import {
  type ConsumeReport,
  consumeSqsRecords,
  maxReceiveCountFromEnv,
  queueUrlFromArn,
  type SqsConsumerBaseOptions,
  SqsVisibilityChanger,
} from './aws/sqsConsumer.ts';
import { Env, MetricName, serviceName } from './constants.ts';
import { requireEnv } from './env.ts';
import { DynamoDbLedger } from './ledger/DynamoDbLedger.ts';
import {
  type NotificationsDefinition,
  requireNotifications,
} from './notifications/defineNotifications.ts';
import type { LedgerOptions } from './notifications/processNotificationMessage.ts';
import type { NotificationSenders } from './notifications/types.ts';
import type { VisibilityChanger } from './queue/types.ts';
import { composeSenders } from './senders/composeSenders.ts';
import { memoizeAsync } from './senders/memoizeAsync.ts';
import { parseWebhookSecret } from './senders/parseWebhookSecret.ts';
import { SesEmailSender } from './senders/SesEmailSender.ts';
import { SnsPushSender } from './senders/SnsPushSender.ts';
import { WebhookSender } from './senders/WebhookSender.ts';

export { asWebhookSecret } from './senders/parseWebhookSecret.ts';

/** The idempotency ledger of the consumer handler, whose leases each invocation bounds. */
export interface ConsumerLedgerOptions extends LedgerOptions {
  /**
   * The longest ledger lease; each invocation's is at most its remaining time less
   * `leaseSafetyMarginMs` (see `leaseMsFor`). @default 60_000
   */
  readonly leaseMs?: number;
  /** Time kept back from the invocation's remaining time for the lease. @default 5_000 */
  readonly leaseSafetyMarginMs?: number;
}

/**
 * What the consumer handler runs with; tests and local runs pass their own. These are the
 * options of `consumeSqsRecords`, which each invocation hands on whole, but for a default
 * `visibility`, a ledger lease the invocation's time left bounds, and `metrics` of its own.
 */
export interface ConsumerHandlerDeps
  extends Omit<SqsConsumerBaseOptions, 'visibility' | 'context'> {
  /**
   * Backs failed messages off. @default SQS `ChangeMessageVisibility` on the queue the
   * records came from (its URL built from their ARN)
   */
  readonly visibility?: VisibilityChanger;
  /**
   * The idempotency ledger notifications are claimed in before sending. Without one a
   * redelivery may send a notification again.
   */
  readonly ledger?: ConsumerLedgerOptions;
  /** @default silent */
  readonly logger?: Logger;
  /** `NotificationsSent` / `NotificationsFailed` per channel are emitted when given. */
  readonly metrics?: Metrics;
}

/** The consumer Lambda's handler: SQS batch in, partial batch response out. */
export type ConsumerHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/**
 * The ledger lease for one invocation: at most `maxLeaseMs`, and never past the time the
 * invocation has left (minus a margin), so a claim does not outlive a timed-out invocation
 * by much and a redelivery can take it over.
 */
export function leaseMsFor(
  context: Pick<Context, 'getRemainingTimeInMillis'> | undefined,
  maxLeaseMs = 60_000,
  safetyMarginMs = 5_000,
): number {
  if (!context) return maxLeaseMs;
  return Math.max(1_000, Math.min(maxLeaseMs, context.getRemainingTimeInMillis() - safetyMarginMs));
}

/**
 * Builds the consumer handler: each relayed event is routed with the app's router and sent;
 * transient failures are retried with growing visibility timeouts, permanent ones go to the
 * consumer DLQ with their reason (see `consumeSqsRecords`).
 */
export function createConsumerHandler(deps: ConsumerHandlerDeps): ConsumerHandler {
  const { metrics, ...options } = deps;
  return async (event, context) => {
    if (context) deps.logger?.addContext(context);
    const { ledger } = deps;
    const report = await consumeSqsRecords(event, {
      ...options,
      visibility: deps.visibility ?? visibilityFor(event.Records?.[0]?.eventSourceARN),
      ledger: ledger && {
        ...ledger,
        leaseMs: leaseMsFor(context, ledger.leaseMs, ledger.leaseSafetyMarginMs),
      },
      context,
    });
    if (metrics) emitMetrics(metrics, report);
    return report.response;
  };
}

const visibilityByArn = new Map<string, VisibilityChanger>();

/** SQS visibility changes on the queue a batch came from, its URL built from the ARN. */
function visibilityFor(arn: string | undefined): VisibilityChanger {
  if (!arn) {
    // Failed records then come back after the queue's own visibility timeout.
    return {
      changeVisibility: () =>
        Promise.reject(new TypeError('the records carry no eventSourceARN to find the queue by')),
    };
  }
  let visibility = visibilityByArn.get(arn);
  if (!visibility) {
    visibility = new SqsVisibilityChanger({ queueUrl: queueUrlFromArn(arn) });
    visibilityByArn.set(arn, visibility);
  }
  return visibility;
}

function emitMetrics(metrics: Metrics, report: ConsumeReport): void {
  for (const [channel, count] of Object.entries(report.sent)) {
    const single = metrics.singleMetric();
    single.addDimension('channel', channel);
    single.addMetric(MetricName.NOTIFICATIONS_SENT, MetricUnit.Count, count);
  }
  const failed = new Map<string, { channel: string; permanent: boolean; count: number }>();
  for (const { channel, permanent } of report.failedNotifications) {
    const key = `${channel}:${permanent}`;
    const entry = failed.get(key) ?? { channel, permanent, count: 0 };
    entry.count++;
    failed.set(key, entry);
  }
  for (const { channel, permanent, count } of failed.values()) {
    const single = metrics.singleMetric();
    single.addDimension('channel', channel);
    single.addDimension('permanent', String(permanent));
    single.addMetric(MetricName.NOTIFICATIONS_FAILED, MetricUnit.Count, count);
  }
}

// By `import()` of a module naming only the client and the command, on the first webhook: in
// the code-split consumer its code stays out of what a cold start loads (SesEmailSender.ts).
const loadSecretsManager = memoizeAsync(() => import('./aws/secretsManagerGetSecret.ts'));
const defaultSecretsClient = memoizeAsync(
  async () => new (await loadSecretsManager()).SecretsManagerClient({}),
);

/**
 * Loads the webhook signing secrets from Secrets Manager, in either stored form
 * (`parseWebhookSecret`: one secret, or `{ "current", "previous" }` while rotating).
 * `WebhookSender` calls it on its first send and again once the secrets are
 * `secretMaxAgeMs` old, so a rotation reaches a warm consumer; the Secrets Manager code is
 * loaded and its client built on the first call, not at cold start.
 */
function webhookSecretLoader(secretArn: string): () => Promise<readonly string[]> {
  return async () => {
    const [client, { GetSecretValueCommand }] = await Promise.all([
      defaultSecretsClient(),
      loadSecretsManager(),
    ]);
    const output = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (!output.SecretString) throw new TypeError(`secret ${secretArn} has no string value`);
    return parseWebhookSecret(output.SecretString);
  };
}

/** The longest `TIDINGS_WEBHOOK_SECRET_MAX_AGE_SECONDS`: a day. */
const MAX_SECRET_MAX_AGE_SECONDS = 86_400;

/**
 * How long the consumer uses the webhook secrets it read before reading them again, from
 * `TIDINGS_WEBHOOK_SECRET_MAX_AGE_SECONDS`; `undefined` (the sender's 5 minutes) when unset.
 * @throws TypeError naming the variable when it is not an integer from 1 to 86400.
 */
export function webhookSecretMaxAgeMsFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): number | undefined {
  const raw = env[Env.WEBHOOK_SECRET_MAX_AGE_SECONDS];
  if (raw === undefined || raw === '') return undefined;
  const seconds = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || seconds < 1 || seconds > MAX_SECRET_MAX_AGE_SECONDS) {
    throw new TypeError(
      `environment variable ${Env.WEBHOOK_SECRET_MAX_AGE_SECONDS} must be an integer from 1 to ${MAX_SECRET_MAX_AGE_SECONDS}: ${JSON.stringify(raw)}`,
    );
  }
  return seconds * 1000;
}

/** The SES, SNS and webhook senders, configured from the environment. */
export function sendersFromEnv(): NotificationSenders {
  const secretArn = process.env[Env.WEBHOOK_SECRET_ARN];
  const secretMaxAgeMs = webhookSecretMaxAgeMsFromEnv();
  return composeSenders({
    email: new SesEmailSender({
      fromAddress: requireEnv(Env.FROM_ADDRESS),
      configurationSetName: process.env[Env.SES_CONFIGURATION_SET],
    }),
    push: new SnsPushSender({}),
    webhook: secretArn
      ? new WebhookSender({
          secret: webhookSecretLoader(secretArn),
          secretMaxAgeMs,
          allowLoopback: process.env[Env.ALLOW_LOOPBACK_WEBHOOKS] === 'true',
        })
      : undefined,
  });
}

/**
 * The consumer's dependencies from the environment the CDK construct sets, all but the router
 * and the queue spec, which come from the notifications module.
 */
export function consumerDepsFromEnv(): Omit<ConsumerHandlerDeps, 'router' | 'queueSpec'> {
  const queueUrl = process.env[Env.QUEUE_URL];
  return {
    senders: sendersFromEnv(),
    deadLetters: sqsRecordDeadLetters(
      new SqsQueueSender({ queueUrl: requireEnv(Env.CONSUMER_DLQ_URL) }),
    ),
    visibility: queueUrl ? new SqsVisibilityChanger({ queueUrl }) : undefined,
    // Without a ledger table a redelivery may send a notification again; the stack sets one.
    ledger: process.env[Env.LEDGER_TABLE_NAME] ? { store: DynamoDbLedger.fromEnv() } : undefined,
    validation: { allowLoopbackHttp: process.env[Env.ALLOW_LOOPBACK_WEBHOOKS] === 'true' },
    retry: { maxReceiveCount: maxReceiveCountFromEnv() },
    logger: new Logger({ serviceName: serviceName('consumer') }),
    metrics: new Metrics({ namespace: MetricName.NAMESPACE, serviceName: serviceName('consumer') }),
  };
}

/**
 * The consumer Lambda's entry point for a notifications module: what the construct bundles as
 * `export const handler = consumerLambdaHandler(notifications)`. Configuration is read on the
 * first invocation.
 * @throws TypeError at once when `notifications` was not made by `defineNotifications`.
 */
export function consumerLambdaHandler(notifications: NotificationsDefinition): ConsumerHandler {
  const { router, queue } = requireNotifications(notifications, 'consumer');
  let fromEnv: ConsumerHandler | undefined;
  return (event, context) => {
    fromEnv ??= createConsumerHandler({ ...consumerDepsFromEnv(), router, queueSpec: queue });
    return fromEnv(event, context);
  };
}
