import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { DynamoDbPendingOutbox } from './aws/DynamoDbPendingOutbox.ts';
import { outboxItemDeadLetters } from './aws/deadLetter.ts';
import { defaultSqsClient, SqsQueueSender } from './aws/SqsQueueSender.ts';
import { Env, MetricName, serviceName } from './constants.ts';
import { requireEnv } from './env.ts';
import { describeError } from './errors.ts';
import { maskEmails } from './maskEmail.ts';
import {
  type NotificationsDefinition,
  requireNotifications,
} from './notifications/defineNotifications.ts';
import type { RelayedOutbox } from './outbox/checkCommitted.ts';
import { PendingOutboxSweeper } from './outbox/PendingOutboxSweeper.ts';
import type { RelayEventsOptions } from './outbox/relayEvents.ts';
import type { DeadLetterSink, PendingOutbox, QueueSender } from './ports.ts';

/** What the sweeper handler runs with; tests and local runs pass their own. */
export interface SweeperHandlerDeps {
  readonly outbox: PendingOutbox;
  readonly queue: QueueSender;
  /**
   * Outboxes whose committed payloads are validated before relaying (`notifications.outbox`):
   * an item its schema rejects is dead-lettered, as the stream relay does.
   */
  readonly outboxes: readonly RelayedOutbox[];
  /**
   * Where items that can never be relayed go (the relay DLQ, `outboxItemDeadLetters`). Its
   * receipt decides an item's fate: deleted when the letter holds it whole, kept and set aside
   * when it does not; an item it could not take is logged and stays pending.
   */
  readonly deadLetters: DeadLetterSink<Readonly<Record<string, unknown>>>;
  /**
   * Only items at least this old are swept, leaving fresh ones to the stream relay.
   * @default 120_000
   */
  readonly minAgeMs?: number;
  /** Items per round. @default 100 */
  readonly limit?: number;
  /** Rounds per invocation while full pages keep coming. @default 5 */
  readonly maxRounds?: number;
  /** No new round starts with less than this much time left. @default 20_000 */
  readonly safetyMarginMs?: number;
  readonly relay?: RelayEventsOptions;
  /** @default Date.now */
  readonly clock?: () => number;
  /** @default silent */
  readonly logger?: Logger;
  /** `OldestPendingAgeSeconds`, `EventsSwept` and `EventsRelayed` are emitted when given. */
  readonly metrics?: Metrics;
}

/** What one sweep did. */
export interface SweepReport {
  /** Events relayed by this sweep. */
  readonly swept: number;
  /** Events the queue did not take; they stay pending for the next sweep. */
  readonly failed: number;
  /** Items that can never be relayed (corrupt, or refused for good), handed to the DLQ. */
  readonly unrelayable: number;
  /** Age of the oldest item past the threshold when the sweep began; 0 when none. */
  readonly oldestPendingAgeSeconds: number;
}

/** The sweeper Lambda's handler, invoked on a schedule. */
export type SweeperHandler = (event: unknown, context?: Context) => Promise<SweepReport>;

/**
 * Builds the backstop sweeper: relays outbox items the stream relay has not (an outage longer
 * than the stream's retention, a lost record), oldest first, through `PendingOutboxSweeper`,
 * and reports how old the oldest waiting item is so an alarm can watch the relay.
 * Items the queue refuses stay pending for the next sweep; the sweep itself succeeds. Items
 * that can never be relayed are dead-lettered once: then deleted, or, when the letter could
 * not hold them whole or their key is not their event's, kept in the table and set aside
 * (out of the pending index, see `PendingOutbox.setAside`) for a redrive.
 */
export function createSweeperHandler(deps: SweeperHandlerDeps): SweeperHandler {
  const limit = deps.limit ?? 100;
  const maxRounds = deps.maxRounds ?? 5;
  const safetyMarginMs = deps.safetyMarginMs ?? 20_000;
  const sweeper = new PendingOutboxSweeper({
    ...deps.relay,
    outbox: deps.outbox,
    queue: deps.queue,
    outboxes: deps.outboxes,
    deadLetters: deps.deadLetters,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });

  return async (_event, context) => {
    if (context) deps.logger?.addContext(context);
    let swept = 0;
    let failed = 0;
    let unrelayable = 0;
    let oldestPendingAgeSeconds = 0;
    for (let round = 0; round < maxRounds; round++) {
      const report = await sweeper.relayPending({ minAgeMs: deps.minAgeMs ?? 120_000, limit });
      if (round === 0) oldestPendingAgeSeconds = report.oldestPendingAgeSeconds;
      swept += report.relayed.length;
      failed += report.failed.length;
      unrelayable += report.unrelayable;
      for (const failure of report.failed) {
        // Reasons, error descriptions and keys may quote an address: logs get them masked.
        deps.logger?.warn('swept event not relayed; it stays pending', {
          ...failure,
          reason: maskEmails(failure.reason),
        });
      }
      for (const { key, reason, error } of report.notDeadLettered) {
        deps.logger?.error('could not dead-letter an unrelayable outbox item; it stays pending', {
          pk: maskEmails(key.pk),
          reason: maskEmails(reason),
          error: maskEmails(describeError(error)),
        });
      }
      for (const key of report.setAside) {
        deps.logger?.warn('dead-lettered outbox item kept in the table, set aside', {
          pk: maskEmails(key.pk),
          sk: maskEmails(key.sk),
        });
      }
      const seen = report.relayed.length + report.failed.length + report.unrelayable;
      const outOfTime = (context?.getRemainingTimeInMillis() ?? Infinity) < safetyMarginMs;
      // A short page means nothing more is pending; a page with nothing relayed means the
      // queue is refusing, and another round would only meet the same items again.
      if (seen < limit || report.relayed.length === 0 || outOfTime) break;
    }
    if (deps.metrics) {
      deps.metrics.addMetric(
        MetricName.OLDEST_PENDING_AGE_SECONDS,
        MetricUnit.Seconds,
        oldestPendingAgeSeconds,
      );
      deps.metrics.addMetric(MetricName.EVENTS_SWEPT, MetricUnit.Count, swept);
      deps.metrics.addMetric(MetricName.EVENTS_RELAYED, MetricUnit.Count, swept);
      deps.metrics.publishStoredMetrics();
    }
    const summary = { swept, failed, unrelayable, oldestPendingAgeSeconds };
    deps.logger?.info('sweep done', summary);
    return summary;
  };
}

/**
 * The sweeper's dependencies from the environment the CDK construct sets, all but the
 * outboxes, which come from the notifications module.
 */
export function sweeperDepsFromEnv(): Omit<SweeperHandlerDeps, 'outboxes'> {
  const logger = new Logger({ serviceName: serviceName('sweeper') });
  return {
    outbox: new DynamoDbPendingOutbox({
      tableName: requireEnv(Env.TABLE_NAME),
      onNonOutboxKey: (key) =>
        // Not an outbox item: its key is the application's, and may hold an address.
        logger.warn('pending index holds an item that is not an outbox item; not swept', {
          pk: maskEmails(key.pk),
          sk: maskEmails(key.sk),
        }),
    }),
    // Every invocation sends, so the client is built at init, as it always was.
    queue: new SqsQueueSender({ queueUrl: requireEnv(Env.QUEUE_URL), client: defaultSqsClient() }),
    deadLetters: outboxItemDeadLetters(
      new SqsQueueSender({ queueUrl: requireEnv(Env.RELAY_DLQ_URL) }),
    ),
    logger,
    metrics: new Metrics({ namespace: MetricName.NAMESPACE, serviceName: serviceName('sweeper') }),
  };
}

/**
 * The sweeper Lambda's entry point for a notifications module: what the construct bundles as
 * `export const handler = sweeperLambdaHandler(notifications)`. Configuration is read on the
 * first invocation.
 * @throws TypeError at once when `notifications` was not made by `defineNotifications`.
 */
export function sweeperLambdaHandler(notifications: NotificationsDefinition): SweeperHandler {
  const { outbox } = requireNotifications(notifications, 'sweeper');
  let fromEnv: SweeperHandler | undefined;
  return (event, context) => {
    fromEnv ??= createSweeperHandler({ ...sweeperDepsFromEnv(), outboxes: [outbox] });
    return fromEnv(event, context);
  };
}
