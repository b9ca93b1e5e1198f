import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MetricName } from '../lambdas/constants.ts';
import type { KitRole, LambdaRole } from './bundling.ts';

/** The notification channels the consumer reports metrics for (its `channel` dimension). */
export const NOTIFICATION_CHANNELS = ['email', 'push', 'webhook'] as const;

/** What {@link PipelineMonitoring} watches. */
export interface PipelineMonitoringProps {
  /** The functions to watch; the producer only when the construct deploys one. */
  readonly functions: Readonly<Record<KitRole, IFunction>> & { readonly producer?: IFunction };
  /** The Powertools `service` dimension each function's metrics carry. */
  readonly serviceNames: Readonly<Record<LambdaRole, string>>;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  readonly relayDeadLetterQueue: IQueue;
  readonly alarmTopic: ITopic;
  /** Alarm when the relay's stream iterator is older than this. */
  readonly iteratorAgeThreshold: Duration;
  /** Alarm when the oldest unrelayed outbox item is older than this, or the sweeper is silent. */
  readonly oldestPendingAgeThreshold: Duration;
  /** Alarm when the oldest message in the queue is older than this. */
  readonly queueAgeThreshold: Duration;
  /** How often the sweeper runs: the period of its metrics. */
  readonly sweepInterval: Duration;
  /** @default - CloudFormation generates a name */
  readonly dashboardName?: string;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * The alarms and the dashboard for one Tidings pipeline: dead-letter queues, the relay's
 * stream lag, the oldest outbox item the relay has not moved (and a silent sweeper), the
 * oldest message waiting for the consumer, each function's errors and throttles, and one
 * dashboard following an event from staged to sent.
 */
export class PipelineMonitoring extends Construct {
  /** Every alarm created, each notifying the alarm topic on ALARM and on OK. */
  readonly alarms: Alarm[] = [];
  /** The pipeline dashboard. */
  readonly dashboard: Dashboard;

  readonly #props: PipelineMonitoringProps;

  constructor(scope: Construct, id: string, props: PipelineMonitoringProps) {
    super(scope, id);
    this.#props = props;
    const { functions, queue, deadLetterQueue, relayDeadLetterQueue } = props;

    const dlqDepth = deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: 'Maximum',
    });
    const relayDlqDepth = relayDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: Duration.minutes(1),
      statistic: 'Maximum',
    });
    this.#alarm('DeadLetterQueueNotEmpty', dlqDepth, {
      threshold: 0,
      description: 'Notifications the consumer gave up on are waiting in its dead-letter queue.',
    });
    this.#alarm('RelayDeadLetterQueueNotEmpty', relayDlqDepth, {
      threshold: 0,
      description:
        'Stream records the relay could not move to the queue are in the relay dead-letter queue.',
    });

    const iteratorAge = functions.relay.metric('IteratorAge', {
      period: Duration.minutes(1),
      statistic: 'Maximum',
    });
    this.#alarm('RelayIteratorAge', iteratorAge, {
      threshold: props.iteratorAgeThreshold.toMilliseconds(),
      evaluationPeriods: 3,
      description: `The relay is more than ${props.iteratorAgeThreshold.toHumanString()} behind the table's stream.`,
    });

    // Two sweep intervals per period, so every period holds at least one sweep's datapoint.
    const oldestPending = this.#metric(MetricName.OLDEST_PENDING_AGE_SECONDS, 'sweeper', {
      statistic: 'Maximum',
      period: props.sweepInterval.plus(props.sweepInterval),
    });
    this.#alarm('OldestPendingOutboxItem', oldestPending, {
      threshold: props.oldestPendingAgeThreshold.toSeconds(),
      description: `An outbox item has waited more than ${props.oldestPendingAgeThreshold.toHumanString()} for the relay, or the sweeper has stopped reporting.`,
      // Every finished sweep reports the age, 0 when nothing waits: no data means the sweeper
      // failed, timed out or stopped running, and then nothing watches the relay's backlog.
      treatMissingData: TreatMissingData.BREACHING,
    });

    // SQS reports the age only while the queue holds messages: no data is an empty queue.
    const queueAge = queue.metricApproximateAgeOfOldestMessage({
      period: Duration.minutes(1),
      statistic: 'Maximum',
    });
    this.#alarm('QueueOldestMessageAge', queueAge, {
      threshold: props.queueAgeThreshold.toSeconds(),
      evaluationPeriods: 3,
      description: `A queued notification has waited more than ${props.queueAgeThreshold.toHumanString()} for the consumer.`,
    });

    for (const [role, fn] of Object.entries(functions) as [LambdaRole, IFunction][]) {
      const name = role.charAt(0).toUpperCase() + role.slice(1);
      this.#alarm(`${name}Errors`, fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }), {
        threshold: 0,
        description: `The ${role} function failed invocations.`,
      });
      this.#alarm(
        `${name}Throttles`,
        fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
        { threshold: 0, description: `The ${role} function was throttled.` },
      );
    }

    this.dashboard = new Dashboard(this, 'Dashboard', {
      ...(props.dashboardName ? { dashboardName: props.dashboardName } : {}),
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          '## Tidings pipeline\nproducer → outbox → stream → relay → queue → consumer → email / push / webhook. Sweeper: backstop for anything the stream missed.',
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Events: staged, relayed, swept, unrelayable',
        width: 12,
        left: [
          ...(functions.producer
            ? [this.#metric(MetricName.EVENTS_STAGED, 'producer', { label: 'staged' })]
            : []),
          this.#metric(MetricName.EVENTS_RELAYED, 'relay', { label: 'relayed by stream' }),
          this.#metric(MetricName.EVENTS_RELAYED, 'sweeper', { label: 'relayed by sweeper' }),
          this.#metric(MetricName.EVENTS_UNRELAYABLE, 'relay', { label: 'unrelayable' }),
        ],
      }),
      new GraphWidget({
        title: 'Relay lag',
        width: 12,
        left: [iteratorAge.with({ label: 'relay iterator age (ms)' })],
        right: [oldestPending.with({ label: 'oldest unrelayed outbox item (s)' })],
        leftAnnotations: [{ value: props.iteratorAgeThreshold.toMilliseconds(), label: 'alarm' }],
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Notifications sent per channel',
        width: 12,
        left: NOTIFICATION_CHANNELS.map((channel) =>
          this.#metric(MetricName.NOTIFICATIONS_SENT, 'consumer', {
            label: channel,
            dimensions: { channel },
          }),
        ),
      }),
      new GraphWidget({
        title: 'Notifications failed per channel',
        width: 12,
        left: NOTIFICATION_CHANNELS.flatMap((channel) =>
          (['true', 'false'] as const).map((permanent) =>
            this.#metric(MetricName.NOTIFICATIONS_FAILED, 'consumer', {
              label: `${channel} (${permanent === 'true' ? 'permanent' : 'transient'})`,
              dimensions: { channel, permanent },
            }),
          ),
        ),
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Queue',
        width: 12,
        left: [
          queue.metricApproximateNumberOfMessagesVisible({
            label: 'visible',
            period: FIVE_MINUTES,
          }),
          queue.metricApproximateNumberOfMessagesNotVisible({
            label: 'in flight',
            period: FIVE_MINUTES,
          }),
        ],
        right: [queueAge.with({ label: 'oldest (s)', period: FIVE_MINUTES })],
        rightAnnotations: [{ value: props.queueAgeThreshold.toSeconds(), label: 'alarm' }],
      }),
      new SingleValueWidget({
        title: 'Dead-letter queues',
        width: 12,
        metrics: [
          dlqDepth.with({ label: 'consumer DLQ' }),
          relayDlqDepth.with({ label: 'relay DLQ' }),
        ],
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Function errors',
        width: 8,
        left: this.#perFunction((fn) => fn.metricErrors({ period: FIVE_MINUTES })),
      }),
      new GraphWidget({
        title: 'Function throttles',
        width: 8,
        left: this.#perFunction((fn) => fn.metricThrottles({ period: FIVE_MINUTES })),
      }),
      new GraphWidget({
        title: 'Function duration p99 (ms)',
        width: 8,
        left: this.#perFunction((fn) =>
          fn.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' }),
        ),
      }),
    );
  }

  /** A Tidings metric as a handler emits it: Powertools adds the `service` dimension. */
  #metric(
    metricName: string,
    role: LambdaRole,
    options: {
      label?: string;
      statistic?: string;
      period?: Duration;
      dimensions?: Readonly<Record<string, string>>;
    },
  ): Metric {
    return new Metric({
      namespace: MetricName.NAMESPACE,
      metricName,
      dimensionsMap: { service: this.#props.serviceNames[role], ...options.dimensions },
      statistic: options.statistic ?? 'Sum',
      period: options.period ?? FIVE_MINUTES,
      ...(options.label ? { label: options.label } : {}),
    });
  }

  #perFunction(metric: (fn: IFunction) => Metric): IMetric[] {
    return (Object.entries(this.#props.functions) as [LambdaRole, IFunction][]).map(([role, fn]) =>
      metric(fn).with({ label: role }),
    );
  }

  #alarm(
    id: string,
    metric: Metric,
    options: {
      threshold: number;
      description: string;
      evaluationPeriods?: number;
      treatMissingData?: TreatMissingData;
    },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      metric,
      threshold: options.threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      // By default no data means nothing happened: no failures, no lag.
      treatMissingData: options.treatMissingData ?? TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    const action = new SnsAction(this.#props.alarmTopic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
    return alarm;
  }
}
