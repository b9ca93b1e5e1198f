import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import { DynamoDbPendingOutbox } from './aws/DynamoDbPendingOutbox.ts';
import { streamRecordDeadLetters } from './aws/deadLetter.ts';
import { defaultSqsClient, SqsQueueSender } from './aws/SqsQueueSender.ts';
import { type RelayedOutbox, relayStreamRecords } from './aws/streamRelay.ts';
import { Env, MetricName, serviceName } from './constants.ts';
import { requireEnv } from './env.ts';
import {
  type NotificationsDefinition,
  requireNotifications,
} from './notifications/defineNotifications.ts';
import type { RelayEventsOptions } from './outbox/relayEvents.ts';
import type { DeadLetterSink, PendingOutbox, QueueSender } from './ports.ts';

/** What the relay handler runs with; tests and local runs pass their own. */
export interface RelayHandlerDeps {
  /** The events queue. */
  readonly queue: QueueSender;
  /** The relay dead-letter queue, for records that can never be relayed. */
  readonly deadLetters: DeadLetterSink<DynamoDBRecord>;
  /** Relayed items are deleted from it (see `relayStreamRecords`). */
  readonly outbox?: PendingOutbox;
  /**
   * Outboxes whose committed payloads are validated before relaying (`notifications.outbox`);
   * see `StreamRelayOptions.outboxes`.
   */
  readonly outboxes: readonly RelayedOutbox[];
  readonly relay?: RelayEventsOptions;
  /** @default silent */
  readonly logger?: Logger;
  /** `EventsRelayed` and `EventsUnrelayable` are emitted when given. */
  readonly metrics?: Metrics;
}

/** The relay Lambda's handler: DynamoDB stream batch in, partial batch response out. */
export type RelayHandler = (
  event: DynamoDBStreamEvent,
  context?: Context,
) => Promise<DynamoDBBatchResponse>;

/**
 * Builds the relay handler: outbox INSERTs from the table's stream go to the queue, records
 * that can never be relayed go to the relay DLQ, and failed records are reported by sequence
 * number so Lambda retries from there.
 */
export function createRelayHandler(deps: RelayHandlerDeps): RelayHandler {
  return async (event, context) => {
    if (context) deps.logger?.addContext(context);
    const report = await relayStreamRecords(event, {
      queue: deps.queue,
      deadLetters: deps.deadLetters,
      outboxes: deps.outboxes,
      ...(deps.outbox ? { outbox: deps.outbox } : {}),
      ...(deps.relay ? { relay: deps.relay } : {}),
      ...(deps.logger ? { logger: deps.logger } : {}),
    });
    if (deps.metrics) {
      deps.metrics.addMetric(MetricName.EVENTS_RELAYED, MetricUnit.Count, report.relayed.length);
      deps.metrics.addMetric(MetricName.EVENTS_UNRELAYABLE, MetricUnit.Count, report.deadLettered);
      deps.metrics.publishStoredMetrics();
    }
    return report.response;
  };
}

/**
 * The relay's dependencies from the environment the CDK construct sets, all but the outboxes,
 * which come from the notifications module.
 */
export function relayDepsFromEnv(): Omit<RelayHandlerDeps, 'outboxes'> {
  return {
    // Every invocation sends, so the client is built at init, as it always was.
    queue: new SqsQueueSender({ queueUrl: requireEnv(Env.QUEUE_URL), client: defaultSqsClient() }),
    deadLetters: streamRecordDeadLetters(
      new SqsQueueSender({ queueUrl: requireEnv(Env.RELAY_DLQ_URL) }),
    ),
    outbox: new DynamoDbPendingOutbox({ tableName: requireEnv(Env.TABLE_NAME) }),
    logger: new Logger({ serviceName: serviceName('relay') }),
    metrics: new Metrics({ namespace: MetricName.NAMESPACE, serviceName: serviceName('relay') }),
  };
}

/**
 * The relay Lambda's entry point for a notifications module: what the construct bundles as
 * `export const handler = relayLambdaHandler(notifications)`. Configuration is read on the
 * first invocation, not at import, so the module loads in tests; clients are created once per
 * cold start.
 * @throws TypeError at once when `notifications` was not made by `defineNotifications`.
 */
export function relayLambdaHandler(notifications: NotificationsDefinition): RelayHandler {
  const { outbox } = requireNotifications(notifications, 'relay');
  let fromEnv: RelayHandler | undefined;
  return (event, context) => {
    fromEnv ??= createRelayHandler({ ...relayDepsFromEnv(), outboxes: [outbox] });
    return fromEnv(event, context);
  };
}
