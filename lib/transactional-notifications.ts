import { Arn, ArnFormat, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  type ITable,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
  type TableProps,
} from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as FunctionTarget } from 'aws-cdk-lib/aws-events-targets';
import {
  Effect,
  Grant,
  type IGrantable,
  PolicyStatement,
  Role,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import {
  FilterCriteria,
  type FunctionOptions,
  type FunctionUrl,
  FunctionUrlAuthType,
  Function as LambdaFunction,
  StartingPosition,
} from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import {
  DeduplicationScope,
  FifoThroughputLimit,
  Queue,
  QueueEncryption,
} from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { Env, MetricName } from '../lambdas/constants.ts';
import { outboxKey } from '../lambdas/outbox/outboxItem.ts';
import {
  LEDGER_TABLE_DEFINITION,
  OUTBOX_STREAM_FILTER,
  TABLE_DEFINITION,
} from '../lambdas/outbox/tableDefinition.ts';
import { MAX_MESSAGE_BYTES } from '../lambdas/queue/types.ts';
import {
  type HandlerModule,
  LAMBDA_BASE_ENVIRONMENT,
  type LambdaRole,
  type LambdaSource,
  lambdaCode,
  type NotificationsModule,
} from './bundling.ts';
import { TidingsConfigurationError } from './errors.ts';
import { PipelineMonitoring } from './pipeline-monitoring.ts';

/** Powertools log levels the handlers understand. */
export type TidingsLogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/**
 * Table settings a user may change. The keys, the stream and the TTL attribute are fixed by
 * `TABLE_DEFINITION`, because the handlers depend on them.
 */
export type TidingsTableOptions = Omit<
  TableProps,
  'partitionKey' | 'sortKey' | 'stream' | 'timeToLiveAttribute'
>;

/**
 * A producer Lambda of the team's own, deployed by the construct beside the pipeline: a file
 * exporting the handler, bundled as the other functions are. It may stage events
 * (`grantStage`) and gets the outbox table's name as `TIDINGS_TABLE_NAME`; anything else it
 * needs (its own tables) is granted by the team.
 */
export interface ProducerOptions extends HandlerModule {
  /**
   * Give the producer a Function URL with `AWS_IAM` auth (SigV4-signed requests only).
   * @default false
   */
  readonly functionUrl?: boolean;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** More environment variables, e.g. the names of the team's own tables. @default - none */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default 'Tidings producer: stages events in the outbox in the business transaction' */
  readonly description?: string;
}

/** Configuration of {@link TransactionalNotifications}. */
export interface TransactionalNotificationsProps {
  /**
   * The team's notifications module: a file exporting (as `notifications`, or `exportName`)
   * what `defineNotifications` returned. The relay and the sweeper validate committed outbox
   * items with its schemas; the consumer validates and routes with it. Bundled into each of
   * the three at synth, with esbuild, from the team's own `node_modules`.
   *
   * @example
   * notifications: { entry: path.join(import.meta.dirname, '../src/notifications.ts') }
   */
  readonly notifications: NotificationsModule;
  /**
   * A producer Lambda to deploy beside the pipeline. Services usually stage events from
   * functions of their own, granted with `grantStage`.
   * @default - no producer function
   */
  readonly producer?: ProducerOptions;
  /**
   * The address emails are sent from (`TIDINGS_FROM_ADDRESS`), bare or as `Name <address>`,
   * under a verified SES identity. The one setting without a default: there is no address
   * SES would accept on your behalf.
   */
  readonly senderEmail: string;
  /**
   * The SES identity the consumer may send through: the sender address itself or its domain.
   * @default - the address in `senderEmail` (an email identity)
   */
  readonly sesIdentity?: string;
  /**
   * More SES identities `ses:SendEmail` is allowed on. While the account is in the SES
   * sandbox, SES may also authorize the send against each verified recipient identity.
   * @default - none
   */
  readonly additionalSesIdentities?: readonly string[];
  /**
   * SES configuration set used for every send (event publishing, suppression).
   * @default - none
   */
  readonly configurationSetName?: string;
  /**
   * SNS platform application ARNs (`arn:aws:sns:region:account:app/PLATFORM/NAME`) whose
   * endpoints the consumer may publish push notifications to.
   * @default - none: push notifications are denied by IAM
   */
  readonly pushPlatformApplicationArns?: readonly string[];
  /**
   * The Standard Webhooks signing secret: `whsec_<base64>`, or the base64 part alone.
   * @default - a new Secrets Manager secret of 48 random alphanumeric characters, valid
   * base64 of 36 bytes (Secrets Manager cannot generate the `whsec_` prefix)
   */
  readonly webhookSigningSecret?: ISecret;
  /**
   * An existing table to hold the outbox instead of a new one, e.g. a single table that holds
   * the business items too (docs/table-layout.md). It must have the keys and the sparse
   * pending index of `TABLE_DEFINITION` and a `NEW_IMAGE` stream (import it with
   * `Table.fromTableAttributes({ tableArn, tableStreamArn })`).
   * @default - a new table for the outbox alone; business items stay in the team's own
   * tables, written in the same transaction
   */
  readonly table?: ITable;
  /**
   * Settings for the table the construct creates. Not allowed together with `table`. Deletion
   * protection is on, so neither CloudFormation nor anyone with `dynamodb:DeleteTable` can
   * delete the table until it is turned off; pass `deletionProtection: false` for throwaway
   * environments (with `removalPolicy: RemovalPolicy.DESTROY` for `cdk destroy` to delete it).
   * @default - on-demand, AWS-managed KMS encryption, point-in-time recovery, deletion
   * protection, retained on delete
   */
  readonly tableProps?: TidingsTableOptions;
  /**
   * What happens to the idempotency ledger when it leaves the stack.
   * @default RemovalPolicy.DESTROY
   */
  readonly ledgerRemovalPolicy?: RemovalPolicy;
  /**
   * Per-key ordering: a FIFO queue and FIFO dead-letter queue; the relay sets group and
   * deduplication ids, so content-based deduplication stays off.
   * @default false
   */
  readonly fifo?: boolean;
  /**
   * Stream records per relay invocation (1 to 10000).
   * @default 100
   */
  readonly relayBatchSize?: number;
  /**
   * How long the stream gathers records before invoking the relay.
   * @default - none: records are relayed as soon as they arrive
   */
  readonly relayMaxBatchingWindow?: Duration;
  /**
   * Retries of a failing stream batch before it goes to the relay DLQ. The outbox items stay
   * in the table, so the sweeper relays them later.
   * @default 10
   */
  readonly relayRetryAttempts?: number;
  /**
   * Stream records older than this go to the relay DLQ instead of being retried; the sweeper
   * relays their outbox items.
   * @default Duration.hours(1)
   */
  readonly relayMaxRecordAge?: Duration;
  /**
   * Messages per consumer invocation (1 to 10 without a batching window).
   * @default 10
   */
  readonly consumerBatchSize?: number;
  /**
   * How long SQS gathers messages before invoking the consumer. Standard queues only.
   * @default - none: messages are consumed as soon as they arrive
   */
  readonly consumerMaxBatchingWindow?: Duration;
  /**
   * Most concurrent consumer invocations, protecting SES quotas and webhook receivers (2 to 1000).
   * @default 5
   */
  readonly consumerMaxConcurrency?: number;
  /**
   * The consumer's timeout; the queue's visibility timeout is six times this plus the batching window.
   * @default Duration.seconds(30)
   */
  readonly consumerTimeout?: Duration;
  /**
   * Deliveries of a message before it goes to the dead-letter queue. It is set as the queue's
   * redrive policy and passed to the consumer (`TIDINGS_MAX_RECEIVE_COUNT`), which dead-letters
   * a transient failure on the last delivery itself, with its reason. At 5 the chaos suite lost
   * welcome emails under a 5% fault rate, their receives spent; at 10 none of the seeds tried
   * did (docs/chaos.md).
   * @default 10
   */
  readonly maxReceiveCount?: number;
  /**
   * How often the sweeper looks for outbox items the stream relay missed.
   * @default Duration.minutes(5)
   */
  readonly sweepInterval?: Duration;
  /**
   * The topic every alarm notifies.
   * @default - a new topic that accepts TLS publishes only
   */
  readonly alarmTopic?: ITopic;
  /**
   * Alarm when the relay's stream iterator is older than this.
   * @default Duration.minutes(5)
   */
  readonly iteratorAgeThreshold?: Duration;
  /**
   * Alarm when the sweeper finds an unrelayed outbox item older than this. The alarm also
   * fires when the sweeper stops reporting (it fails, times out or no longer runs).
   * @default Duration.minutes(15)
   */
  readonly oldestPendingAgeThreshold?: Duration;
  /**
   * Alarm when the oldest message in the queue is older than this: the consumer is stalled
   * (disabled, throttled, failing before it reads) or far behind. On a standard queue SQS leaves
   * messages received three times or more out of this age, so retries do not set it off; on a
   * FIFO queue a message being retried holds its group and counts.
   * @default Duration.minutes(15)
   */
  readonly queueAgeThreshold?: Duration;
  /**
   * Prefix of each function's Powertools service name (`<serviceName>-relay`, ...), the
   * `service` dimension of its metrics. Give each pipeline in one account its own.
   * @default 'tidings'
   */
  readonly serviceName?: string;
  /**
   * Powertools log level of every handler.
   * @default 'INFO'
   */
  readonly logLevel?: TidingsLogLevel;
  /**
   * How long function logs are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Memory of each function, in MB.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Reserved concurrency per function (`ReservedConcurrentExecutions`): a ceiling, so a burst
   * cannot take the account's whole concurrency, and a floor the rest of the account cannot
   * take. The consumer's event source `consumerMaxConcurrency` already bounds it; keep its
   * reservation at or above that.
   * @default - none: the functions share the account's unreserved concurrency
   */
  readonly reservedConcurrency?: Readonly<Partial<Record<LambdaRole, number>>>;
  /**
   * Name of the CloudWatch dashboard.
   * @default - generated by CloudFormation
   */
  readonly dashboardName?: string;
}

/** The Lambda service principal every function role trusts. */
const LAMBDA_PRINCIPAL = 'lambda.amazonaws.com';

/** What differs between the functions besides their code. */
interface FunctionSettings {
  readonly description: string;
  readonly timeout: Duration;
  readonly environment: Record<string, string>;
  readonly retryAttempts?: number;
}

/** CloudFormation-friendly ids of the functions, by role. */
const FUNCTION_IDS: Readonly<Record<LambdaRole, string>> = {
  producer: 'Producer',
  relay: 'Relay',
  consumer: 'Consumer',
  sweeper: 'Sweeper',
};

/**
 * The whole Tidings pipeline as one construct, around a team's notifications module: the
 * outbox table and idempotency ledger, the stream relay, the queue and its dead-letter
 * queues, the consumer that sends email, push and webhooks, the backstop sweeper, an optional
 * producer, and the alarms and dashboard that watch them. Secure by default: encryption
 * everywhere, TLS-only queues, least-privilege roles, DLQs.
 *
 * @example
 * const pipeline = new TransactionalNotifications(this, 'Notifications', {
 *   notifications: { entry: 'src/notifications.ts' },
 *   senderEmail: 'no-reply@example.com',
 *   sesIdentity: 'example.com',
 * });
 * pipeline.grantStage(checkoutFunction);
 * checkoutFunction.addEnvironment('OUTBOX_TABLE', pipeline.table.tableName);
 */
export class TransactionalNotifications extends Construct {
  /**
   * The outbox table: outbox items (and, in the single-table layout, the business items
   * beside them). Services stage into it; `grantStage` lets them.
   */
  readonly table: ITable;
  /** The idempotency ledger the consumer claims each notification in before sending it. */
  readonly ledgerTable: Table;
  /** The queue between the relay and the consumer (`.fifo` when `fifo` is on). */
  readonly queue: Queue;
  /** The consumer's dead-letter queue: exhausted redeliveries and permanent failures, with reasons. */
  readonly deadLetterQueue: Queue;
  /** The relay's dead-letter queue: stream batches that failed and records it can never relay. */
  readonly relayDeadLetterQueue: Queue;
  /** The team's producer function, when `producer` is given. */
  readonly producer?: LambdaFunction;
  /**
   * Moves outbox INSERTs from the table's stream to the queue. Every function is a
   * `lambda.Function` whose code esbuild builds at synth (`lambdaBuildOptions` in
   * lib/bundling.ts); the consumer's is code-split.
   */
  readonly relay: LambdaFunction;
  /** Routes queued events to email, push and webhooks. */
  readonly consumer: LambdaFunction;
  /** Relays outbox items the stream missed, on a schedule. */
  readonly sweeper: LambdaFunction;
  /** The producer's IAM-authenticated Function URL, when `producer.functionUrl` is on. */
  readonly producerUrl?: FunctionUrl;
  /** The webhook signing secret the consumer reads. */
  readonly webhookSigningSecret: ISecret;
  /** The topic every alarm notifies. */
  readonly alarmTopic: ITopic;
  /** Alarms and dashboard. */
  readonly monitoring: PipelineMonitoring;

  readonly #props: TransactionalNotificationsProps;
  readonly #serviceNames: Readonly<Record<LambdaRole, string>>;

  constructor(scope: Construct, id: string, props: TransactionalNotificationsProps) {
    super(scope, id);
    this.#props = props;
    validateProps(props);
    const fifo = props.fifo ?? false;
    const serviceName = props.serviceName ?? 'tidings';
    this.#serviceNames = {
      producer: `${serviceName}-producer`,
      relay: `${serviceName}-relay`,
      consumer: `${serviceName}-consumer`,
      sweeper: `${serviceName}-sweeper`,
    };

    this.table = props.table ?? this.#createTable(props.tableProps);
    if (!this.table.tableStreamArn) {
      throw new TidingsConfigurationError(
        'table',
        `table ${this.table.node.path} has no stream ARN: import it with Table.fromTableAttributes({ tableArn, tableStreamArn }) and a NEW_IMAGE stream`,
      );
    }
    this.ledgerTable = this.#createLedgerTable(props.ledgerRemovalPolicy ?? RemovalPolicy.DESTROY);

    const consumerTimeout = props.consumerTimeout ?? Duration.seconds(30);
    const consumerWindow = props.consumerMaxBatchingWindow;
    const maxReceiveCount = props.maxReceiveCount ?? 10;
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      ...(fifo ? { fifo: true, contentBasedDeduplication: false } : {}),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // A letter carries the message it failed on, which may be as large as the queue takes.
      maxMessageSizeBytes: MAX_MESSAGE_BYTES,
    });
    this.queue = new Queue(this, 'Queue', {
      // High-throughput FIFO: deduplication and throughput are per message group.
      ...(fifo
        ? {
            fifo: true,
            contentBasedDeduplication: false,
            deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
            fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
          }
        : {}),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // What the producer's size check, the relay's batching and the dead-letter bodies
      // assume SQS takes: set here, not left to the service's default.
      maxMessageSizeBytes: MAX_MESSAGE_BYTES,
      // AWS guidance: at least six times the consumer's timeout, plus the batching window,
      // so a message is not redelivered while a retried invocation still holds it.
      visibilityTimeout: Duration.seconds(
        consumerTimeout.toSeconds() * 6 + (consumerWindow?.toSeconds() ?? 0),
      ),
      deadLetterQueue: {
        queue: this.deadLetterQueue,
        maxReceiveCount,
      },
    });
    // Lambda's on-failure destinations take standard queues only, so this one never is FIFO.
    this.relayDeadLetterQueue = new Queue(this, 'RelayDeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      maxMessageSizeBytes: MAX_MESSAGE_BYTES,
    });
    Validations.of(this.relayDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue: the relay stream mapping sends failed batches here on failure, a route the rule does not recognize.',
    });

    this.webhookSigningSecret = props.webhookSigningSecret ?? this.#createWebhookSecret();
    this.alarmTopic = props.alarmTopic ?? this.#createAlarmTopic();

    const { notifications } = props;
    if (props.producer) {
      this.producer = this.#createFunction(
        { role: 'producer', handler: props.producer },
        {
          description:
            props.producer.description ??
            'Tidings producer: stages events in the outbox in the business transaction',
          timeout: props.producer.timeout ?? Duration.seconds(10),
          environment: { ...props.producer.environment, [Env.TABLE_NAME]: this.table.tableName },
        },
      );
    }
    this.relay = this.#createFunction(
      { role: 'relay', notifications },
      {
        description: 'Tidings relay: moves outbox INSERTs from the table stream to the queue',
        timeout: Duration.seconds(60),
        environment: {
          [Env.TABLE_NAME]: this.table.tableName,
          [Env.QUEUE_URL]: this.queue.queueUrl,
          [Env.RELAY_DLQ_URL]: this.relayDeadLetterQueue.queueUrl,
        },
      },
    );
    this.consumer = this.#createFunction(
      { role: 'consumer', notifications },
      {
        description: 'Tidings consumer: routes queued events to email, push and webhooks',
        timeout: consumerTimeout,
        environment: {
          [Env.QUEUE_URL]: this.queue.queueUrl,
          [Env.CONSUMER_DLQ_URL]: this.deadLetterQueue.queueUrl,
          [Env.FROM_ADDRESS]: props.senderEmail,
          ...(props.configurationSetName
            ? { [Env.SES_CONFIGURATION_SET]: props.configurationSetName }
            : {}),
          [Env.WEBHOOK_SECRET_ARN]: this.webhookSigningSecret.secretArn,
          [Env.LEDGER_TABLE_NAME]: this.ledgerTable.tableName,
          [Env.MAX_RECEIVE_COUNT]: String(maxReceiveCount),
        },
      },
    );
    const sweepInterval = props.sweepInterval ?? Duration.minutes(5);
    this.sweeper = this.#createFunction(
      { role: 'sweeper', notifications },
      {
        description: 'Tidings sweeper: relays outbox items the stream relay missed',
        // Shorter than the interval, so sweeps never overlap.
        timeout: Duration.seconds(Math.min(120, Math.max(30, sweepInterval.toSeconds() - 30))),
        environment: {
          [Env.TABLE_NAME]: this.table.tableName,
          [Env.QUEUE_URL]: this.queue.queueUrl,
          [Env.RELAY_DLQ_URL]: this.relayDeadLetterQueue.queueUrl,
        },
        // A failed sweep is not retried: the next scheduled one does the same work.
        retryAttempts: 0,
      },
    );

    if (this.producer) this.grantStage(this.producer);
    this.#wireRelay();
    this.#wireConsumer();
    this.#wireSweeper(sweepInterval);

    if (this.producer && props.producer?.functionUrl) {
      this.producerUrl = this.producer.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });
    }

    this.monitoring = new PipelineMonitoring(this, 'Monitoring', {
      functions: {
        ...(this.producer ? { producer: this.producer } : {}),
        relay: this.relay,
        consumer: this.consumer,
        sweeper: this.sweeper,
      },
      serviceNames: this.#serviceNames,
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      relayDeadLetterQueue: this.relayDeadLetterQueue,
      alarmTopic: this.alarmTopic,
      iteratorAgeThreshold: props.iteratorAgeThreshold ?? Duration.minutes(5),
      oldestPendingAgeThreshold: props.oldestPendingAgeThreshold ?? Duration.minutes(15),
      queueAgeThreshold: props.queueAgeThreshold ?? Duration.minutes(15),
      sweepInterval,
      ...(props.dashboardName ? { dashboardName: props.dashboardName } : {}),
    });
  }

  #createTable(tableProps: TidingsTableOptions | undefined): Table {
    const index = TABLE_DEFINITION.pendingIndex;
    const table = new Table(this, 'Table', {
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The table holds business data and events not yet relayed: never delete it with the stack.
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
      ...tableProps,
      partitionKey: attribute(TABLE_DEFINITION.partitionKey),
      sortKey: attribute(TABLE_DEFINITION.sortKey),
      stream: StreamViewType[TABLE_DEFINITION.streamViewType],
      timeToLiveAttribute: TABLE_DEFINITION.timeToLiveAttribute,
    });
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: attribute(index.partitionKey),
      sortKey: attribute(index.sortKey),
      projectionType: ProjectionType[index.projection],
    });
    return table;
  }

  #createLedgerTable(removalPolicy: RemovalPolicy): Table {
    return new Table(this, 'LedgerTable', {
      partitionKey: attribute(LEDGER_TABLE_DEFINITION.partitionKey),
      timeToLiveAttribute: LEDGER_TABLE_DEFINITION.timeToLiveAttribute,
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy,
    });
  }

  #createWebhookSecret(): Secret {
    const secret = new Secret(this, 'WebhookSigningSecret', {
      description: 'Tidings: Standard Webhooks signing secret (receivers use whsec_<value>)',
      // 48 alphanumeric characters are valid base64 for 36 random bytes (~285 bits).
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating a webhook signing secret needs every receiver to accept the new one first; Standard Webhooks supports that with several signatures, but the rotation is a coordinated manual step, not a Lambda rotation.',
    });
    return secret;
  }

  #createAlarmTopic(): Topic {
    // Not KMS-encrypted: CloudWatch cannot publish to a topic under the AWS-managed SNS key,
    // and alarm messages carry alarm names and metric values, never event data.
    return new Topic(this, 'AlarmTopic', {
      displayName: 'Tidings alarms',
      enforceSSL: true,
    });
  }

  /** A function whose code esbuild builds at synth from `source` (lib/bundling.ts). */
  #createFunction(source: LambdaSource, options: FunctionSettings): LambdaFunction {
    return new LambdaFunction(this, FUNCTION_IDS[source.role], {
      ...lambdaCode(source),
      ...this.#functionProps(source.role, options),
    });
  }

  /** What every function gets besides its code: memory, role, log group and environment. */
  #functionProps(role: LambdaRole, options: FunctionSettings): FunctionOptions {
    const id = FUNCTION_IDS[role];
    const logGroup = new LogGroup(this, `${id}Logs`, {
      retention: this.#props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An own role instead of the AWSLambdaBasicExecutionRole managed policy, whose log
    // permissions apply to every log group in the account.
    const executionRole = new Role(this, `${id}Role`, {
      assumedBy: new ServicePrincipal(LAMBDA_PRINCIPAL),
      description: `Tidings ${role} function`,
    });
    logGroup.grantWrite(executionRole);
    return {
      memorySize: this.#props.memorySize ?? 256,
      ...(this.#props.reservedConcurrency?.[role] === undefined
        ? {}
        : { reservedConcurrentExecutions: this.#props.reservedConcurrency[role] }),
      timeout: options.timeout,
      description: options.description,
      role: executionRole,
      logGroup,
      ...(options.retryAttempts === undefined ? {} : { retryAttempts: options.retryAttempts }),
      environment: {
        ...LAMBDA_BASE_ENVIRONMENT,
        POWERTOOLS_SERVICE_NAME: this.#serviceNames[role],
        POWERTOOLS_METRICS_NAMESPACE: MetricName.NAMESPACE,
        POWERTOOLS_LOG_LEVEL: this.#props.logLevel ?? 'INFO',
        ...options.environment,
      },
    };
  }

  /**
   * Lets a function of the team's stage events: `dynamodb:PutItem` on the outbox table for
   * outbox items only (every partition key `OUTBOX#...`), which is all `outboxTransactItem`
   * writes; the team grants its own tables' actions beside it. DynamoDB authorizes each item of
   * a `TransactWriteItems` by its action, so this covers the outbox item of a transaction.
   * Pass the table's name to the function (`table.tableName`) for `outboxTransactItem`.
   *
   * @example
   * pipeline.grantStage(checkoutFunction);
   * checkoutFunction.addEnvironment('OUTBOX_TABLE', pipeline.table.tableName);
   */
  grantStage(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:PutItem'],
      resourceArns: [this.table.tableArn],
      conditions: {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [OUTBOX_LEADING_KEYS] },
      },
    });
  }

  #wireRelay(): void {
    this.relay.addEventSource(
      new DynamoEventSource(this.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: this.#props.relayBatchSize ?? 100,
        ...(this.#props.relayMaxBatchingWindow
          ? { maxBatchingWindow: this.#props.relayMaxBatchingWindow }
          : {}),
        filters: [FilterCriteria.filter(OUTBOX_STREAM_FILTER)],
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: this.#props.relayRetryAttempts ?? 10,
        maxRecordAge: this.#props.relayMaxRecordAge ?? Duration.hours(1),
        onFailure: new SqsDlq(this.relayDeadLetterQueue),
      }),
    );
    this.queue.grantSendMessages(this.relay);
    this.relayDeadLetterQueue.grantSendMessages(this.relay);
    // The relay deletes outbox items once the queue has them (BatchWriteItem) and sets aside
    // dead-lettered ones it must keep (UpdateItem): outbox items only, never business items.
    this.relay.addToRolePolicy(
      outboxItemsOnly(['dynamodb:BatchWriteItem', 'dynamodb:UpdateItem'], this.table.tableArn),
    );
    Validations.of(this.relay.role ?? this.relay).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'dynamodb:ListStreams, which the stream event source mapping needs, has no resource-level permissions; the other stream actions are scoped to the table stream ARN.',
    });
  }

  #wireConsumer(): void {
    const props = this.#props;
    const fifo = props.fifo ?? false;
    this.consumer.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: props.consumerBatchSize ?? 10,
        ...(!fifo && props.consumerMaxBatchingWindow
          ? { maxBatchingWindow: props.consumerMaxBatchingWindow }
          : {}),
        reportBatchItemFailures: true,
        maxConcurrency: props.consumerMaxConcurrency ?? 5,
      }),
    );
    // Permanent failures go to the DLQ at once, with their reason.
    this.deadLetterQueue.grantSendMessages(this.consumer);
    // The event source grant already includes sqs:ChangeMessageVisibility on the queue, which
    // the consumer uses for backoff; no second grant.

    const stack = Stack.of(this);
    const identities = [
      props.sesIdentity ?? addressOf(props.senderEmail),
      ...(props.additionalSesIdentities ?? []),
    ];
    this.consumer.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ses:SendEmail'],
        resources: [
          ...identities.map((identity) =>
            stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity }),
          ),
          ...(props.configurationSetName
            ? [
                stack.formatArn({
                  service: 'ses',
                  resource: 'configuration-set',
                  resourceName: props.configurationSetName,
                }),
              ]
            : []),
        ],
      }),
    );

    const endpointPatterns = (props.pushPlatformApplicationArns ?? []).map(endpointArnPattern);
    if (endpointPatterns.length > 0) {
      this.consumer.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['sns:Publish'],
          resources: endpointPatterns,
        }),
      );
      for (const pattern of endpointPatterns) {
        Validations.of(this.consumer.role ?? this.consumer).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${nagResourceName(stack, pattern)}]`,
          reason:
            'Device endpoints are created at run time, one per device; the wildcard is limited to the endpoints of one configured platform application.',
        });
      }
    }

    this.webhookSigningSecret.grantRead(this.consumer);
    // The ledger's claim, complete and release: put, update and delete of single items.
    this.consumer.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [this.ledgerTable.tableArn],
      }),
    );
  }

  #wireSweeper(sweepInterval: Duration): void {
    new Rule(this, 'SweepSchedule', {
      description: 'Tidings: relay outbox items the stream relay missed',
      schedule: Schedule.rate(sweepInterval),
      targets: [new FunctionTarget(this.sweeper, { retryAttempts: 0 })],
    });
    const indexArn = `${this.table.tableArn}/index/${TABLE_DEFINITION.pendingIndex.indexName}`;
    // The query's leading key is the index's partition key (the shard), not an item key, so
    // the outbox-key condition cannot apply; the keys-only index holds outbox items only.
    this.sweeper.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['dynamodb:Query'],
        resources: [indexArn],
      }),
    );
    // Reads the items the index named, deletes relayed ones and sets aside kept ones.
    this.sweeper.addToRolePolicy(
      outboxItemsOnly(
        ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:UpdateItem'],
        this.table.tableArn,
      ),
    );
    this.queue.grantSendMessages(this.sweeper);
    this.relayDeadLetterQueue.grantSendMessages(this.sweeper);
  }
}

/**
 * The partition keys of outbox items (`OUTBOX#<eventId>`), as an IAM `StringLike` pattern:
 * derived from `outboxKey`, so the policy follows the key the handlers write.
 */
const OUTBOX_LEADING_KEYS = `${outboxKey('').pk}*`;

/**
 * Allows item actions on the table for outbox items only: every partition key in the request
 * must be an outbox key, so a relay or sweeper cannot read, change or delete business items.
 * Only for actions whose requests name item keys (a `Scan` names none, and `ForAllValues`
 * holds for an empty set).
 */
function outboxItemsOnly(actions: string[], tableArn: string): PolicyStatement {
  return new PolicyStatement({
    effect: Effect.ALLOW,
    actions,
    resources: [tableArn],
    conditions: {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [OUTBOX_LEADING_KEYS] },
    },
  });
}

/** A key attribute from the table definition, as CDK wants it. */
function attribute(definition: { readonly name: string; readonly type: 'S' | 'N' | 'B' }): {
  name: string;
  type: AttributeType;
} {
  const types = { S: AttributeType.STRING, N: AttributeType.NUMBER, B: AttributeType.BINARY };
  return { name: definition.name, type: types[definition.type] };
}

/** The bare address of `Name <address>`, or the value itself. */
function addressOf(sender: string): string {
  return /<([^<>]+)>\s*$/.exec(sender)?.[1] ?? sender;
}

/**
 * `arn:aws:sns:region:account:app/PLATFORM/NAME` becomes
 * `arn:aws:sns:region:account:endpoint/PLATFORM/NAME/*`: every device endpoint of that
 * application and nothing else. Works on tokens too.
 */
function endpointArnPattern(platformApplicationArn: string): string {
  const parts = Arn.split(platformApplicationArn, ArnFormat.SLASH_RESOURCE_NAME);
  return `arn:${parts.partition}:sns:${parts.region}:${parts.account}:endpoint/${parts.resourceName}/*`;
}

/**
 * How cdk-nag names a resource in an IAM5 finding: the resolved value with references
 * flattened (`{ Ref: X }` as `<X>`, `Fn::GetAtt` as `<R.A>`, `Fn::Join` joined).
 */
function nagResourceName(stack: Stack, value: string): string {
  const flatten = (node: unknown): string => {
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
    if (node && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      const join = record['Fn::Join'];
      if (Array.isArray(join)) {
        const [delimiter, items] = join as [string, unknown[]];
        return items.map(flatten).join(delimiter);
      }
      const getAtt = record['Fn::GetAtt'];
      if (Array.isArray(getAtt)) return `<${flatten(getAtt[0])}.${flatten(getAtt[1])}>`;
      if ('Ref' in record) return `<${flatten(record.Ref)}>`;
      if ('Fn::Sub' in record) return flatten(record['Fn::Sub']);
      if ('Fn::ImportValue' in record) return flatten(record['Fn::ImportValue']);
    }
    return JSON.stringify(node);
  };
  return flatten(stack.resolve(value));
}

function validateProps(props: TransactionalNotificationsProps): void {
  for (const [role, reserved] of Object.entries(props.reservedConcurrency ?? {})) {
    if (reserved === undefined) continue;
    if (!Number.isInteger(reserved) || reserved < 0) {
      throw new TidingsConfigurationError(
        'reservedConcurrency',
        `reservedConcurrency.${role} must be a whole number of 0 or more: ${reserved}`,
      );
    }
    if (role === 'consumer' && reserved < (props.consumerMaxConcurrency ?? 5)) {
      throw new TidingsConfigurationError(
        'reservedConcurrency',
        `reservedConcurrency.consumer (${reserved}) is below consumerMaxConcurrency (${props.consumerMaxConcurrency ?? 5}): SQS would hand the consumer batches Lambda then throttles`,
      );
    }
  }
  if (props.table && props.tableProps) {
    throw new TidingsConfigurationError(
      'tableProps',
      'tableProps configure a table the construct creates; they cannot apply to the table passed in `table`',
    );
  }
  if (props.fifo && props.consumerMaxBatchingWindow) {
    throw new TidingsConfigurationError(
      'consumerMaxBatchingWindow',
      `a batching window (${props.consumerMaxBatchingWindow.toHumanString()}) is not supported on FIFO queues`,
    );
  }
  for (const arn of props.pushPlatformApplicationArns ?? []) {
    if (Token.isUnresolved(arn)) continue;
    const parts = Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME);
    if (parts.service !== 'sns' || parts.resource !== 'app' || !parts.resourceName?.includes('/')) {
      throw new TidingsConfigurationError(
        'pushPlatformApplicationArns',
        `not an SNS platform application ARN (arn:aws:sns:region:account:app/PLATFORM/NAME): ${JSON.stringify(arn)}`,
      );
    }
  }
  const serviceName = props.serviceName;
  if (serviceName !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(serviceName)) {
    throw new TidingsConfigurationError(
      'serviceName',
      `serviceName must be 1 to 64 letters, digits, "_" or "-": ${JSON.stringify(serviceName)}`,
    );
  }
  if (!props.senderEmail.includes('@') && !Token.isUnresolved(props.senderEmail)) {
    throw new TidingsConfigurationError(
      'senderEmail',
      `senderEmail must be an email address: ${JSON.stringify(props.senderEmail)}`,
    );
  }
}
