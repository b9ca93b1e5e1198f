import { Annotations, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import {
  TransactionalNotifications,
  type TransactionalNotificationsProps,
} from './transactional-notifications.ts';

/** Settings of the example stack: the construct's props, all optional here. */
export interface TidingsStackProps extends StackProps {
  /**
   * Passed to the construct. `senderEmail` falls back to a placeholder with a synth warning,
   * so the example synthesizes without any context.
   * @default - the construct's defaults, sender `no-reply@example.com`
   */
  readonly notifications?: Partial<TransactionalNotificationsProps>;
  /**
   * An address subscribed to the alarm topic (it must confirm the subscription by email).
   * @default - no subscription
   */
  readonly alarmEmail?: string;
}

/** The address used when no sender is configured; SES will refuse it until you set yours. */
export const PLACEHOLDER_SENDER_EMAIL = 'no-reply@example.com';

/**
 * The deployable example: one {@link TransactionalNotifications} pipeline and outputs naming
 * what you call or watch after `cdk deploy`.
 */
export class TidingsStack extends Stack {
  /** The pipeline. */
  readonly notifications: TransactionalNotifications;

  constructor(scope: Construct, id: string, props: TidingsStackProps = {}) {
    super(scope, id, props);
    const senderEmail = props.notifications?.senderEmail;
    if (!senderEmail) {
      Annotations.of(this).addWarningV2(
        'tidings:placeholderSender',
        `no sender email configured: using ${PLACEHOLDER_SENDER_EMAIL}, which SES will refuse. Deploy with -c senderEmail=you@your-verified-domain`,
      );
    }
    this.notifications = new TransactionalNotifications(this, 'Notifications', {
      ...props.notifications,
      senderEmail: senderEmail ?? PLACEHOLDER_SENDER_EMAIL,
    });

    const n = this.notifications;
    if (props.alarmEmail) n.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    new CfnOutput(this, 'ProducerFunctionName', {
      value: n.producer.functionName,
      description: 'aws lambda invoke --function-name <this> ...',
    });
    if (n.producerUrl) {
      new CfnOutput(this, 'ProducerFunctionUrl', {
        value: n.producerUrl.url,
        description: 'POST with SigV4 (service lambda)',
      });
    }
    new CfnOutput(this, 'TableName', { value: n.table.tableName });
    new CfnOutput(this, 'QueueUrl', { value: n.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: n.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'RelayDeadLetterQueueUrl', { value: n.relayDeadLetterQueue.queueUrl });
    new CfnOutput(this, 'WebhookSigningSecretArn', { value: n.webhookSigningSecret.secretArn });
    new CfnOutput(this, 'AlarmTopicArn', { value: n.alarmTopic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: n.monitoring.dashboard.dashboardName });
  }
}
