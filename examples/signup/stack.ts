import { fileURLToPath } from 'node:url';
import { Annotations, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import {
  TransactionalNotifications,
  type TransactionalNotificationsProps,
} from '../../lib/index.ts';
import { USERS_TABLE_ENV } from './producer.ts';

/** Settings of the example stack. */
export interface TidingsStackProps extends StackProps {
  /**
   * Passed to the construct, over the example's own `notifications` module and producer.
   * `senderEmail` falls back to a placeholder with a synth warning, so the example
   * synthesizes without any context.
   * @default - the construct's defaults, sender `no-reply@example.com`
   */
  readonly notifications?: Partial<Omit<TransactionalNotificationsProps, 'notifications'>>;
  /**
   * Give the signup producer an `AWS_IAM` Function URL.
   * @default false
   */
  readonly producerFunctionUrl?: boolean;
  /**
   * An address subscribed to the alarm topic (it must confirm the subscription by email).
   * @default - no subscription
   */
  readonly alarmEmail?: string;
}

/** The address used when no sender is configured; SES will refuse it until you set yours. */
export const PLACEHOLDER_SENDER_EMAIL = 'no-reply@example.com';

/** The example's modules, beside this file: what a team's stack names in its own tree. */
const NOTIFICATIONS_ENTRY = fileURLToPath(new URL('./notifications.ts', import.meta.url));
const PRODUCER_ENTRY = fileURLToPath(new URL('./producer.ts', import.meta.url));

/**
 * The deployable signup example, built as a team builds its own: the app's users table (its
 * own, unchanged by Tidings), one {@link TransactionalNotifications} pipeline around the
 * example's notifications module, the signup producer that writes a user and stages
 * `user.registered` in one transaction across both tables, and outputs naming what you call
 * or watch after `cdk deploy`.
 */
export class TidingsStack extends Stack {
  /** The pipeline. */
  readonly notifications: TransactionalNotifications;
  /** The example application's own table: users and email claims. */
  readonly usersTable: Table;

  constructor(scope: Construct, id: string, props: TidingsStackProps = {}) {
    super(scope, id, props);
    const senderEmail = props.notifications?.senderEmail;
    if (!senderEmail) {
      Annotations.of(this).addWarningV2(
        'tidings:placeholderSender',
        `no sender email configured: using ${PLACEHOLDER_SENDER_EMAIL}, which SES will refuse. Deploy with -c senderEmail=you@your-verified-domain`,
      );
    }
    this.usersTable = new Table(this, 'UsersTable', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
    });
    this.notifications = new TransactionalNotifications(this, 'Notifications', {
      ...props.notifications,
      notifications: { entry: NOTIFICATIONS_ENTRY },
      producer: {
        entry: PRODUCER_ENTRY,
        description: 'Tidings example: registers a user and stages user.registered',
        functionUrl: props.producerFunctionUrl ?? false,
        environment: { [USERS_TABLE_ENV]: this.usersTable.tableName },
      },
      senderEmail: senderEmail ?? PLACEHOLDER_SENDER_EMAIL,
    });

    const n = this.notifications;
    const producer = n.producer;
    if (!producer) throw new TypeError('the example stack deploys a producer');
    // The signup transaction puts the user and the email claim (conditional puts) here, and the
    // outbox item in the pipeline's table (granted by the construct).
    this.usersTable.grant(producer, 'dynamodb:PutItem');
    if (props.alarmEmail) n.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    new CfnOutput(this, 'ProducerFunctionName', {
      value: producer.functionName,
      description: 'aws lambda invoke --function-name <this> ...',
    });
    if (n.producerUrl) {
      new CfnOutput(this, 'ProducerFunctionUrl', {
        value: n.producerUrl.url,
        description: 'POST with SigV4 (service lambda)',
      });
    }
    new CfnOutput(this, 'UsersTableName', { value: this.usersTable.tableName });
    new CfnOutput(this, 'TableName', { value: n.table.tableName });
    new CfnOutput(this, 'QueueUrl', { value: n.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: n.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'RelayDeadLetterQueueUrl', { value: n.relayDeadLetterQueue.queueUrl });
    new CfnOutput(this, 'WebhookSigningSecretArn', { value: n.webhookSigningSecret.secretArn });
    new CfnOutput(this, 'AlarmTopicArn', { value: n.alarmTopic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: n.monitoring.dashboard.dashboardName });
  }
}
