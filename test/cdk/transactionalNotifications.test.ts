import { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { EXAMPLE_NOTIFICATIONS, EXAMPLE_PRODUCER } from '../../bench/entries.ts';
import { emailKey, userKey } from '../../examples/signup/registerUser.ts';
import { outboxItemDeadLetters } from '../../lambdas/aws/deadLetter.ts';
import { Env, MetricName } from '../../lambdas/constants.ts';
import { MemoryOutboxStore } from '../../lambdas/outbox/MemoryOutboxStore.ts';
import { outboxKey } from '../../lambdas/outbox/outboxItem.ts';
import {
  LEDGER_TABLE_DEFINITION,
  OUTBOX_STREAM_FILTER,
  TABLE_DEFINITION,
} from '../../lambdas/outbox/tableDefinition.ts';
import { MemoryQueue } from '../../lambdas/queue/MemoryQueue.ts';
import { MAX_MESSAGE_BYTES } from '../../lambdas/queue/types.ts';
import { createSweeperHandler } from '../../lambdas/sweeper.ts';
import { TidingsBundlingError, TidingsConfigurationError } from '../../lib/errors.ts';
import { TransactionalNotifications } from '../../lib/transactional-notifications.ts';
import { thrownBy } from '../helpers/events.ts';
import {
  allowedActions,
  comparableStatements,
  iamStringLike,
  logicalId,
  NO_BUNDLING,
  producerOf,
  type SynthesizedPipeline,
  statementsOf,
  synthesizePipeline,
  TEST_ENV,
  type TemplateStatement,
} from './helpers.ts';

/** The queue's redrive `maxReceiveCount` and what the consumer is told it is. */
function maxReceiveCounts(pipeline: SynthesizedPipeline) {
  const { template, construct, stack } = pipeline;
  const resources = template.toJSON().Resources;
  return {
    redrive: resources[logicalId(stack, construct.queue)].Properties.RedrivePolicy.maxReceiveCount,
    consumerEnv:
      resources[logicalId(stack, construct.consumer)].Properties.Environment.Variables[
        Env.MAX_RECEIVE_COUNT
      ],
  };
}

const PLATFORM_APP_ARN = `arn:aws:sns:${TEST_ENV.region}:${TEST_ENV.account}:app/GCM/MyApp`;
const CONFIGURATION_SET = 'tidings-events';

const LOG_WRITE = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const QUEUE_SEND = ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'];
/** Item actions allowed only when every partition key in the request is an outbox key. */
const OUTBOX_KEYS_ONLY = {
  'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['OUTBOX#*'] },
} as const;

function allow(actions: string[], resource: unknown, condition?: unknown): TemplateStatement {
  return {
    Effect: 'Allow',
    Action: actions,
    Resource: [resource],
    ...(condition ? { Condition: condition } : {}),
  };
}

describe('TransactionalNotifications (standard queue)', () => {
  let pipeline: SynthesizedPipeline;
  let ref: (construct: Parameters<typeof logicalId>[1]) => string;

  beforeAll(() => {
    pipeline = synthesizePipeline({
      sesIdentity: 'example.com',
      configurationSetName: CONFIGURATION_SET,
      pushPlatformApplicationArns: [PLATFORM_APP_ARN],
      producer: { entry: EXAMPLE_PRODUCER, functionUrl: true },
      consumerBatchSize: 50,
      consumerMaxBatchingWindow: Duration.seconds(5),
      consumerMaxConcurrency: 4,
      consumerTimeout: Duration.seconds(20),
      maxReceiveCount: 7,
      relayBatchSize: 25,
      relayMaxBatchingWindow: Duration.seconds(2),
    });
    ref = (construct) => logicalId(pipeline.stack, construct);
  });

  describe('table', () => {
    it('is on demand with a NEW_IMAGE stream, TTL, point-in-time recovery and encryption', () => {
      // Arrange
      const { template, construct } = pipeline;

      // Act
      const table = template.toJSON().Resources[ref(construct.table)];

      // Assert
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: TABLE_DEFINITION.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: TABLE_DEFINITION.sortKey.name, KeyType: 'RANGE' },
        ],
        StreamSpecification: { StreamViewType: TABLE_DEFINITION.streamViewType },
        TimeToLiveSpecification: {
          AttributeName: TABLE_DEFINITION.timeToLiveAttribute,
          Enabled: true,
        },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
      });
      expect(table.DeletionPolicy).toBe('Retain');
    });

    it('has the sparse pending index of the table definition', () => {
      const index = TABLE_DEFINITION.pendingIndex;
      pipeline.template.hasResourceProperties('AWS::DynamoDB::Table', {
        GlobalSecondaryIndexes: [
          {
            IndexName: index.indexName,
            KeySchema: [
              { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
              { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: index.projection },
          },
        ],
      });
    });

    it('creates a separate ledger table with TTL, point-in-time recovery and encryption', () => {
      const ledger = pipeline.template.toJSON().Resources[ref(pipeline.construct.ledgerTable)];

      expect(ledger.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: LEDGER_TABLE_DEFINITION.partitionKey.name, KeyType: 'HASH' }],
        TimeToLiveSpecification: {
          AttributeName: LEDGER_TABLE_DEFINITION.timeToLiveAttribute,
          Enabled: true,
        },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      });
      expect(ledger.DeletionPolicy).toBe('Delete');
    });
  });

  describe('relay', () => {
    it('reads the stream with the outbox filter, partial failures, bisect, bounded retries and an on-failure queue', () => {
      // Arrange
      const { template, construct } = pipeline;
      const pattern = new Capture();

      // Act / Assert
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: ref(construct.relay) },
        EventSourceArn: { 'Fn::GetAtt': [ref(construct.table), 'StreamArn'] },
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 25,
        MaximumBatchingWindowInSeconds: 2,
        FilterCriteria: { Filters: [{ Pattern: pattern }] },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 10,
        MaximumRecordAgeInSeconds: 3600,
        DestinationConfig: {
          OnFailure: {
            Destination: { 'Fn::GetAtt': [ref(construct.relayDeadLetterQueue), 'Arn'] },
          },
        },
      });
      expect(JSON.parse(pattern.asString())).toEqual(OUTBOX_STREAM_FILTER);
    });

    it('may send to its queue and relay DLQ, read its stream, and delete or set aside outbox items only', () => {
      // Arrange
      const { construct } = pipeline;
      const tableArn = { 'Fn::GetAtt': [ref(construct.table), 'Arn'] };

      // Act
      const statements = statementsOf(pipeline, construct.relay.role);

      // Assert: exactly these, nothing more.
      expect(comparableStatements(statements)).toEqual(
        comparableStatements([
          allow(LOG_WRITE, { 'Fn::GetAtt': [ref(construct.relay.logGroup), 'Arn'] }),
          allow(QUEUE_SEND, { 'Fn::GetAtt': [ref(construct.queue), 'Arn'] }),
          allow(QUEUE_SEND, { 'Fn::GetAtt': [ref(construct.relayDeadLetterQueue), 'Arn'] }),
          allow(['dynamodb:ListStreams'], '*'),
          allow(['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], {
            'Fn::GetAtt': [ref(construct.table), 'StreamArn'],
          }),
          allow(['dynamodb:BatchWriteItem', 'dynamodb:UpdateItem'], tableArn, OUTBOX_KEYS_ONLY),
        ]),
      );
    });

    it('gets the queue, relay DLQ and table from the environment names the handlers read', () => {
      pipeline.template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            [Env.TABLE_NAME]: { Ref: ref(pipeline.construct.table) },
            [Env.QUEUE_URL]: { Ref: ref(pipeline.construct.queue) },
            [Env.RELAY_DLQ_URL]: { Ref: ref(pipeline.construct.relayDeadLetterQueue) },
            POWERTOOLS_SERVICE_NAME: 'tidings-relay',
          }),
        },
      });
    });
  });

  describe('queue', () => {
    it('is encrypted, redrives to its DLQ after maxReceiveCount and hides messages for 6x the consumer timeout plus the window', () => {
      const { template, construct } = pipeline;

      template.hasResourceProperties('AWS::SQS::Queue', {
        SqsManagedSseEnabled: true,
        VisibilityTimeout: 6 * 20 + 5,
        RedrivePolicy: {
          deadLetterTargetArn: { 'Fn::GetAtt': [ref(construct.deadLetterQueue), 'Arn'] },
          maxReceiveCount: 7,
        },
        FifoQueue: Match.absent(),
      });
    });

    it('keeps dead letters for 14 days, the most SQS allows', () => {
      // Arrange
      const { template, construct } = pipeline;
      const resources = template.toJSON().Resources;

      // Act
      const retention = [construct.deadLetterQueue, construct.relayDeadLetterQueue].map(
        (queue) => resources[ref(queue)].Properties.MessageRetentionPeriod,
      );

      // Assert
      expect(retention).toEqual([14 * 24 * 60 * 60, 14 * 24 * 60 * 60]);
    });

    it('encrypts every queue and denies non-TLS access to each in its queue policy', () => {
      // Arrange
      const { template, construct } = pipeline;
      const queues = [construct.queue, construct.deadLetterQueue, construct.relayDeadLetterQueue];

      // Act / Assert
      expect(template.findResources('AWS::SQS::Queue')).toSatisfy((found: object) =>
        Object.values(found).every((q) => q.Properties.SqsManagedSseEnabled === true),
      );
      for (const queue of queues) {
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: ref(queue) }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Deny',
                Action: 'sqs:*',
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
                Resource: { 'Fn::GetAtt': [ref(queue), 'Arn'] },
              }),
            ]),
          },
        });
      }
    });
  });

  describe('consumer', () => {
    it('consumes the queue with partial batch responses, batch size, window and max concurrency', () => {
      pipeline.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: ref(pipeline.construct.consumer) },
        EventSourceArn: { 'Fn::GetAtt': [ref(pipeline.construct.queue), 'Arn'] },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BatchSize: 50,
        MaximumBatchingWindowInSeconds: 5,
        ScalingConfig: { MaximumConcurrency: 4 },
      });
    });

    it('may change visibility on its queue and send to its DLQ', () => {
      const { construct } = pipeline;

      const actions = allowedActions(statementsOf(pipeline, construct.consumer.role));

      expect(actions.get('sqs:ChangeMessageVisibility')).toEqual([
        { 'Fn::GetAtt': [ref(construct.queue), 'Arn'] },
      ]);
      expect(actions.get('sqs:SendMessage')).toEqual([
        { 'Fn::GetAtt': [ref(construct.deadLetterQueue), 'Arn'] },
      ]);
    });

    it('may send email only through the configured identity and configuration set', () => {
      const actions = allowedActions(statementsOf(pipeline, pipeline.construct.consumer.role));

      const resolved = actions.get('ses:SendEmail')?.map((arn) => JSON.stringify(arn));
      expect(resolved).toHaveLength(2);
      expect(resolved?.[0]).toContain(
        `:ses:${TEST_ENV.region}:${TEST_ENV.account}:identity/example.com`,
      );
      expect(resolved?.[1]).toContain(
        `:ses:${TEST_ENV.region}:${TEST_ENV.account}:configuration-set/${CONFIGURATION_SET}`,
      );
    });

    it('may publish only to endpoints of the configured platform application', () => {
      const actions = allowedActions(statementsOf(pipeline, pipeline.construct.consumer.role));

      expect(actions.get('sns:Publish')).toEqual([
        `arn:aws:sns:${TEST_ENV.region}:${TEST_ENV.account}:endpoint/GCM/MyApp/*`,
      ]);
    });

    it('may read its webhook secret and write its ledger, and nothing in the outbox table', () => {
      // Arrange
      const { construct } = pipeline;

      // Act
      const actions = allowedActions(statementsOf(pipeline, construct.consumer.role));

      // Assert
      const ledgerArn = { 'Fn::GetAtt': [ref(construct.ledgerTable), 'Arn'] };
      expect(actions.get('secretsmanager:GetSecretValue')).toEqual([
        { Ref: ref(construct.webhookSigningSecret) },
      ]);
      for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']) {
        expect(actions.get(action)).toEqual([ledgerArn]);
      }
      expect([...actions.keys()].filter((a) => a.startsWith('dynamodb:'))).toHaveLength(3);
    });

    it("is told the queue's maxReceiveCount, the value of its redrive policy", () => {
      // Act
      const { redrive, consumerEnv } = maxReceiveCounts(pipeline);

      // Assert
      expect(redrive).toBe(7);
      expect(consumerEnv).toBe(String(redrive));
    });

    it('gets the sender, configuration set, secret, ledger and DLQ from the environment names the handlers read', () => {
      pipeline.template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            [Env.FROM_ADDRESS]: 'no-reply@example.com',
            [Env.SES_CONFIGURATION_SET]: CONFIGURATION_SET,
            [Env.WEBHOOK_SECRET_ARN]: { Ref: ref(pipeline.construct.webhookSigningSecret) },
            [Env.LEDGER_TABLE_NAME]: { Ref: ref(pipeline.construct.ledgerTable) },
            [Env.CONSUMER_DLQ_URL]: { Ref: ref(pipeline.construct.deadLetterQueue) },
            [Env.ALLOW_LOOPBACK_WEBHOOKS]: Match.absent(),
          }),
        },
      });
    });
  });

  describe('sweeper', () => {
    it('runs every 5 minutes on an EventBridge schedule', () => {
      pipeline.template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(5 minutes)',
        State: 'ENABLED',
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [ref(pipeline.construct.sweeper), 'Arn'] },
          }),
        ],
      });
    });

    it('may query the pending index, read, delete and set aside outbox items only, and send to its queues', () => {
      // Arrange
      const { construct } = pipeline;
      const tableArn = { 'Fn::GetAtt': [ref(construct.table), 'Arn'] };

      // Act
      const statements = statementsOf(pipeline, construct.sweeper.role);

      // Assert: exactly these. The index query carries no outbox-key condition, since its
      // leading key is the index's shard key.
      expect(comparableStatements(statements)).toEqual(
        comparableStatements([
          allow(LOG_WRITE, { 'Fn::GetAtt': [ref(construct.sweeper.logGroup), 'Arn'] }),
          allow(['dynamodb:Query'], {
            'Fn::Join': ['', [tableArn, `/index/${TABLE_DEFINITION.pendingIndex.indexName}`]],
          }),
          allow(
            ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:UpdateItem'],
            tableArn,
            OUTBOX_KEYS_ONLY,
          ),
          allow(QUEUE_SEND, { 'Fn::GetAtt': [ref(construct.queue), 'Arn'] }),
          allow(QUEUE_SEND, { 'Fn::GetAtt': [ref(construct.relayDeadLetterQueue), 'Arn'] }),
        ]),
      );
    });
  });

  describe('outbox key condition', () => {
    it('matches the key of every outbox item and no key the example producer writes', () => {
      // Arrange
      const [pattern] = OUTBOX_KEYS_ONLY['ForAllValues:StringLike']['dynamodb:LeadingKeys'];
      const eventId = '0190a5c2-7b1e-7c3d-9f00-1234567890ab';

      // Act / Assert
      expect(iamStringLike(pattern, outboxKey(eventId).pk)).toBe(true);
      expect(iamStringLike(pattern, userKey('u-1').pk)).toBe(false);
      expect(iamStringLike(pattern, emailKey('ada@example.com').pk)).toBe(false);
    });
  });

  describe('producer', () => {
    it('may only put outbox items into the outbox table (grantStage)', () => {
      const { construct } = pipeline;

      const statements = statementsOf(pipeline, producerOf(construct).role);

      expect(statements.filter((s) => !s.Action.every((a) => a.startsWith('logs:')))).toEqual([
        allow(
          ['dynamodb:PutItem'],
          { 'Fn::GetAtt': [ref(construct.table), 'Arn'] },
          OUTBOX_KEYS_ONLY,
        ),
      ]);
    });

    it('gets the outbox table name and the environment it was given', () => {
      const properties =
        pipeline.template.toJSON().Resources[ref(producerOf(pipeline.construct))].Properties;

      expect(properties.Environment.Variables[Env.TABLE_NAME]).toEqual({
        Ref: ref(pipeline.construct.table),
      });
      expect(properties.Handler).toBe('index.handler');
    });

    it('has a Function URL that requires IAM auth', () => {
      pipeline.template.hasResourceProperties('AWS::Lambda::Url', {
        AuthType: 'AWS_IAM',
        TargetFunctionArn: { 'Fn::GetAtt': [ref(producerOf(pipeline.construct)), 'Arn'] },
      });
    });
  });

  describe('every function', () => {
    it('runs index.handler on Node 24, arm64, 256 MB, with Powertools settings and a log group with retention', () => {
      // Arrange
      const { template, construct } = pipeline;
      const functions = [
        producerOf(construct),
        construct.relay,
        construct.consumer,
        construct.sweeper,
      ];
      const resources = template.toJSON().Resources;

      for (const fn of functions) {
        // Act
        const properties = resources[ref(fn)].Properties;
        const logGroupId = properties.LoggingConfig.LogGroup.Ref as string;

        // Assert
        expect(properties.Handler).toBe('index.handler');
        expect(properties.Runtime).toBe('nodejs24.x');
        expect(properties.Architectures).toEqual(['arm64']);
        expect(properties.MemorySize).toBe(256);
        expect(properties.Environment.Variables).toMatchObject({
          POWERTOOLS_SERVICE_NAME: expect.stringMatching(/^tidings-/),
          POWERTOOLS_METRICS_NAMESPACE: MetricName.NAMESPACE,
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
        });
        expect(resources[logGroupId].Properties.RetentionInDays).toBe(30);
      }
    });

    it('uses roles without managed policies', () => {
      const roles = pipeline.template.findResources('AWS::IAM::Role');

      expect(Object.keys(roles)).toHaveLength(4);
      for (const role of Object.values(roles)) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    });

    it('allows no wildcard action, and a wildcard resource only for dynamodb:ListStreams', () => {
      // Arrange
      const policies = pipeline.template.findResources('AWS::IAM::Policy');
      const allows = Object.values(policies).flatMap((policy) =>
        [policy.Properties.PolicyDocument.Statement].flat(),
      );

      // Act
      const wildcardActions = allows
        .flatMap((s) => [s.Action].flat())
        .filter((a) => a.includes('*'));
      const wildcardResources = allows.filter((s) => [s.Resource].flat().includes('*'));

      // Assert
      expect(wildcardActions).toEqual([]);
      expect(wildcardResources).toEqual([
        { Action: 'dynamodb:ListStreams', Effect: 'Allow', Resource: '*' },
      ]);
    });
  });

  describe('observability', () => {
    it('alarms when either dead-letter queue holds a message', () => {
      for (const queue of [
        pipeline.construct.deadLetterQueue,
        pipeline.construct.relayDeadLetterQueue,
      ]) {
        pipeline.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [ref(queue), 'QueueName'] } }],
          ComparisonOperator: 'GreaterThanThreshold',
          Threshold: 0,
        });
      }
    });

    it('alarms on the relay iterator age and the oldest unrelayed outbox item', () => {
      pipeline.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'IteratorAge',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: ref(pipeline.construct.relay) } }],
        Threshold: 5 * 60 * 1000,
        TreatMissingData: 'notBreaching',
      });
      pipeline.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: MetricName.NAMESPACE,
        MetricName: MetricName.OLDEST_PENDING_AGE_SECONDS,
        Dimensions: [{ Name: 'service', Value: 'tidings-sweeper' }],
        Threshold: 15 * 60,
      });
    });

    it('alarms when the sweeper stops reporting the oldest unrelayed outbox item', () => {
      // Arrange
      const alarms = pipeline.template.findResources('AWS::CloudWatch::Alarm');

      // Act
      const breachingOnMissing = Object.values(alarms)
        .filter((alarm) => alarm.Properties.TreatMissingData === 'breaching')
        .map((alarm) => alarm.Properties.MetricName);

      // Assert: only this one; for the others no data means nothing happened.
      expect(breachingOnMissing).toEqual([MetricName.OLDEST_PENDING_AGE_SECONDS]);
      pipeline.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: MetricName.OLDEST_PENDING_AGE_SECONDS,
        // Two sweep intervals, so a sweep that reports always lands in each period.
        Period: 2 * 5 * 60,
        EvaluationPeriods: 1,
      });
    });

    it('relies on a sweeper that reports the age on every run, 0 when nothing waits', async () => {
      // Arrange: an empty outbox, so missing data can only mean a sweep did not finish.
      const metrics = new PowertoolsMetrics({
        namespace: MetricName.NAMESPACE,
        serviceName: 'test',
      });
      const added = vi.spyOn(metrics, 'addMetric');
      vi.spyOn(metrics, 'publishStoredMetrics').mockReturnValue(metrics);
      const sweep = createSweeperHandler({
        outbox: new MemoryOutboxStore(),
        queue: new MemoryQueue({ name: 'tidings-events' }),
        outboxes: [],
        deadLetters: outboxItemDeadLetters(new MemoryQueue({ name: 'tidings-relay-dlq' })),
        metrics,
      });

      // Act
      await sweep({});

      // Assert
      expect(added).toHaveBeenCalledWith(MetricName.OLDEST_PENDING_AGE_SECONDS, 'Seconds', 0);
    });

    it('alarms when the oldest queued message has waited 15 minutes for the consumer', () => {
      pipeline.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [ref(pipeline.construct.queue), 'QueueName'] },
          },
        ],
        Statistic: 'Maximum',
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 15 * 60,
        TreatMissingData: 'notBreaching',
      });
    });

    it('alarms on errors and throttles of every function', () => {
      const { construct } = pipeline;
      for (const fn of [
        producerOf(construct),
        construct.relay,
        construct.consumer,
        construct.sweeper,
      ]) {
        for (const metricName of ['Errors', 'Throttles']) {
          pipeline.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
            Namespace: 'AWS/Lambda',
            MetricName: metricName,
            Dimensions: [{ Name: 'FunctionName', Value: { Ref: ref(fn) } }],
            Threshold: 0,
          });
        }
      }
    });

    it('sends every alarm to the alarm topic', () => {
      const alarms = pipeline.template.findResources('AWS::CloudWatch::Alarm');
      const topic = { Ref: ref(pipeline.construct.alarmTopic) };

      expect(Object.keys(alarms)).toHaveLength(pipeline.construct.monitoring.alarms.length);
      expect(Object.keys(alarms).length).toBeGreaterThanOrEqual(13);
      for (const alarm of Object.values(alarms)) {
        expect(alarm.Properties.AlarmActions).toEqual([topic]);
        expect(alarm.Properties.OKActions).toEqual([topic]);
      }
    });

    it('creates an alarm topic that denies publishing without TLS', () => {
      pipeline.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: ref(pipeline.construct.alarmTopic) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it('has a dashboard showing events staged, relayed, sent per channel, failures, DLQ depth and iterator age', () => {
      const body = new Capture();
      pipeline.template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
        DashboardBody: body,
      });

      const text = JSON.stringify(body.asObject());
      for (const metric of [
        MetricName.EVENTS_STAGED,
        MetricName.EVENTS_RELAYED,
        MetricName.NOTIFICATIONS_SENT,
        MetricName.NOTIFICATIONS_FAILED,
        MetricName.OLDEST_PENDING_AGE_SECONDS,
        'ApproximateNumberOfMessagesVisible',
        'IteratorAge',
      ]) {
        expect(text).toContain(`\\"${metric}\\"`);
      }
      for (const channel of ['email', 'push', 'webhook']) {
        expect(text).toContain(`\\"channel\\",\\"${channel}\\"`);
      }
    });
  });

  it('creates the webhook signing secret when none is given', () => {
    pipeline.template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 48, ExcludePunctuation: true }),
    });
  });
});

describe('TransactionalNotifications (your own secret and alarm topic)', () => {
  const secretArn = `arn:aws:secretsmanager:${TEST_ENV.region}:${TEST_ENV.account}:secret:tidings/webhook-AbCdEf`;
  const topicArn = `arn:aws:sns:${TEST_ENV.region}:${TEST_ENV.account}:ops-alarms`;
  let pipeline: SynthesizedPipeline;

  beforeAll(() => {
    pipeline = synthesizePipeline({}, (stack) => ({
      webhookSigningSecret: Secret.fromSecretCompleteArn(stack, 'WebhookSecret', secretArn),
      alarmTopic: Topic.fromTopicArn(stack, 'OpsAlarms', topicArn),
    }));
  });

  it('creates neither a secret nor a topic', () => {
    pipeline.template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    pipeline.template.resourceCountIs('AWS::SNS::Topic', 0);
  });

  it('lets the consumer read the given secret and names it in its environment', () => {
    // Act
    const actions = allowedActions(statementsOf(pipeline, pipeline.construct.consumer.role));

    // Assert
    expect(actions.get('secretsmanager:GetSecretValue')).toEqual([secretArn]);
    pipeline.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [Env.WEBHOOK_SECRET_ARN]: secretArn }) },
    });
  });

  it('sends every alarm to the given topic', () => {
    const alarms = Object.values(pipeline.template.findResources('AWS::CloudWatch::Alarm'));

    expect(alarms.length).toBe(pipeline.construct.monitoring.alarms.length);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([topicArn]);
      expect(alarm.Properties.OKActions).toEqual([topicArn]);
    }
  });
});

describe('TransactionalNotifications (FIFO)', () => {
  let pipeline: SynthesizedPipeline;

  beforeAll(() => {
    pipeline = synthesizePipeline({ fifo: true });
  });

  it('makes the queue and its DLQ FIFO, with content-based deduplication off', () => {
    const { template, construct, stack } = pipeline;
    const resources = template.toJSON().Resources;

    for (const queue of [construct.queue, construct.deadLetterQueue]) {
      expect(resources[logicalId(stack, queue)].Properties).toMatchObject({
        FifoQueue: true,
        ContentBasedDeduplication: false,
      });
    }
    expect(resources[logicalId(stack, construct.queue)].Properties).toMatchObject({
      DeduplicationScope: 'messageGroup',
      FifoThroughputLimit: 'perMessageGroupId',
    });
  });

  it('redrives after 10 receives by default and tells the consumer so', () => {
    // Act
    const { redrive, consumerEnv } = maxReceiveCounts(pipeline);

    // Assert
    expect(redrive).toBe(10);
    expect(consumerEnv).toBe('10');
  });

  it('keeps the relay DLQ standard, as Lambda on-failure destinations require', () => {
    const { template, construct, stack } = pipeline;

    const relayDlq = template.toJSON().Resources[logicalId(stack, construct.relayDeadLetterQueue)];

    expect(relayDlq.Properties.FifoQueue).toBeUndefined();
  });

  it('consumes without a batching window, which FIFO queues do not support', () => {
    pipeline.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: {
        'Fn::GetAtt': [logicalId(pipeline.stack, pipeline.construct.queue), 'Arn'],
      },
      MaximumBatchingWindowInSeconds: Match.absent(),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('refuses a consumer batching window with FIFO', () => {
    expect(() =>
      synthesizePipeline({ fifo: true, consumerMaxBatchingWindow: Duration.seconds(1) }),
    ).toThrow(TidingsConfigurationError);
  });
});

describe('TransactionalNotifications around a team’s own module', () => {
  let pipeline: SynthesizedPipeline;

  beforeAll(() => {
    pipeline = synthesizePipeline();
  });

  it('deploys no producer unless one is asked for: relay, consumer and sweeper only', () => {
    expect(pipeline.construct.producer).toBeUndefined();
    expect(pipeline.construct.producerUrl).toBeUndefined();
    pipeline.template.resourceCountIs('AWS::Lambda::Function', 3);
    pipeline.template.resourceCountIs('AWS::Lambda::Url', 0);
    const descriptions = Object.values(
      pipeline.template.findResources('AWS::Lambda::Function'),
    ).map((fn) => String(fn.Properties.Description));
    expect(descriptions.filter((d) => /producer/i.test(d))).toEqual([]);
  });

  it('grantStage lets a function of the team’s put outbox items into the outbox table, nothing else', () => {
    // Arrange
    const stack = new Stack(new App({ context: NO_BUNDLING }), 'Stage', { env: TEST_ENV });
    const construct = new TransactionalNotifications(stack, 'Notifications', {
      notifications: { entry: EXAMPLE_NOTIFICATIONS },
      senderEmail: 'no-reply@example.com',
    });
    const checkout = new LambdaFunction(stack, 'Checkout', {
      code: Code.fromInline('export const handler = async () => {};'),
      handler: 'index.handler',
      runtime: Runtime.NODEJS_24_X,
    });

    // Act
    construct.grantStage(checkout);

    // Assert
    const synthesized = { stack, construct, template: Template.fromStack(stack) };
    const statements = statementsOf(synthesized, checkout.role);
    expect(statements).toEqual([
      allow(
        ['dynamodb:PutItem'],
        { 'Fn::GetAtt': [logicalId(stack, construct.table), 'Arn'] },
        OUTBOX_KEYS_ONLY,
      ),
    ]);
  });

  it('refuses a notifications entry that does not exist, at construction, naming it', () => {
    const error = thrownBy(() =>
      synthesizePipeline({ notifications: { entry: 'src/missing-notifications.ts' } }),
    );

    expect(error).toBeInstanceOf(TidingsBundlingError);
    expect((error as Error).message).toMatch(
      /notifications\.entry \(built into the relay\) does not exist: "src\/missing-notifications\.ts"/,
    );
  });

  it('builds every kit function from the same module', () => {
    // The bundling test builds each; here: one module, three kit functions, the example's.
    expect(EXAMPLE_NOTIFICATIONS).toMatch(/examples\/signup\/notifications\.ts$/);
    for (const fn of [
      pipeline.construct.relay,
      pipeline.construct.consumer,
      pipeline.construct.sweeper,
    ]) {
      expect(
        pipeline.template.toJSON().Resources[logicalId(pipeline.stack, fn)].Properties.Handler,
      ).toBe('index.handler');
    }
  });
});

describe('TransactionalNotifications (existing table)', () => {
  const tableArn = `arn:aws:dynamodb:${TEST_ENV.region}:${TEST_ENV.account}:table/orders`;
  const streamArn = `${tableArn}/stream/2026-01-01T00:00:00.000`;
  let pipeline: SynthesizedPipeline;

  beforeAll(() => {
    pipeline = synthesizePipeline({ producer: { entry: EXAMPLE_PRODUCER } }, (stack) => ({
      table: Table.fromTableAttributes(stack, 'Orders', { tableArn, tableStreamArn: streamArn }),
    }));
  });

  it('creates only the ledger table', () => {
    pipeline.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    pipeline.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: LEDGER_TABLE_DEFINITION.partitionKey.name, KeyType: 'HASH' }],
    });
  });

  it('relays from the given table stream and scopes grants to the given table', () => {
    pipeline.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: streamArn,
    });
    const actions = allowedActions(statementsOf(pipeline, producerOf(pipeline.construct).role));
    expect(actions.get('dynamodb:PutItem')).toEqual([tableArn]);
  });

  it('refuses a table without a stream', () => {
    expect(() =>
      synthesizePipeline({}, (stack) => ({
        table: Table.fromTableArn(stack, 'NoStream', tableArn),
      })),
    ).toThrow(/has no stream ARN/);
  });

  it('refuses table props together with an existing table', () => {
    expect(() =>
      synthesizePipeline({ tableProps: {} }, (stack) => ({
        table: Table.fromTableAttributes(stack, 'Orders', { tableArn, tableStreamArn: streamArn }),
      })),
    ).toThrow(TidingsConfigurationError);
  });
});

describe('TransactionalNotifications props', () => {
  it('refuses a push platform ARN that is not an SNS platform application', () => {
    const build = () =>
      synthesizePipeline({
        pushPlatformApplicationArns: ['arn:aws:sns:eu-west-1:111122223333:my-topic'],
      });

    expect(build).toThrow(
      /not an SNS platform application ARN.*"arn:aws:sns:eu-west-1:111122223333:my-topic"/,
    );
  });

  it('sends as a display-name sender but grants SES on the bare address identity', () => {
    const pipeline = synthesizePipeline({ senderEmail: 'Tidings <no-reply@example.com>' });

    const actions = allowedActions(statementsOf(pipeline, pipeline.construct.consumer.role));

    expect(JSON.stringify(actions.get('ses:SendEmail'))).toContain(
      ':identity/no-reply@example.com"',
    );
    pipeline.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ [Env.FROM_ADDRESS]: 'Tidings <no-reply@example.com>' }),
      },
    });
  });

  it('lets deletion protection of the table it creates be turned off', () => {
    const pipeline = synthesizePipeline({ tableProps: { deletionProtection: false } });

    const table =
      pipeline.template.toJSON().Resources[logicalId(pipeline.stack, pipeline.construct.table)];

    expect(table.Properties.DeletionProtectionEnabled).toBe(false);
  });

  it('alarms on the queue age at the threshold it is given', () => {
    const pipeline = synthesizePipeline({ queueAgeThreshold: Duration.minutes(4) });

    pipeline.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateAgeOfOldestMessage',
      Threshold: 240,
    });
  });

  it('uses its service name for the Powertools service of each function and the alarm dimension', () => {
    const pipeline = synthesizePipeline({ serviceName: 'orders' });

    pipeline.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'orders-consumer' }) },
    });
    pipeline.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: MetricName.OLDEST_PENDING_AGE_SECONDS,
      Dimensions: [{ Name: 'service', Value: 'orders-sweeper' }],
    });
  });
});

describe('TransactionalNotifications queue message size', () => {
  it('sets every queue it creates, standard or FIFO, to the message size the kit assumes', () => {
    // Arrange
    const pipelines = [synthesizePipeline(), synthesizePipeline({ fifo: true })];

    // Act
    const sizes = pipelines.map(({ stack, construct, template }) => {
      const resources = template.toJSON().Resources;
      return [construct.queue, construct.deadLetterQueue, construct.relayDeadLetterQueue].map(
        (queue) => resources[logicalId(stack, queue)].Properties.MaximumMessageSize,
      );
    });

    // Assert
    expect(MAX_MESSAGE_BYTES).toBe(1_048_576);
    expect(sizes).toEqual([
      [MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES],
      [MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES],
    ]);
  });
});

describe('TransactionalNotifications reserved concurrency', () => {
  it('reserves the concurrency given per function, and none by default', () => {
    // Arrange / Act
    const reserved = synthesizePipeline({ reservedConcurrency: { relay: 2, consumer: 8 } });
    const plain = synthesizePipeline();

    // Assert
    const resources = reserved.template.toJSON().Resources;
    const of = (fn: Parameters<typeof logicalId>[1]) =>
      resources[logicalId(reserved.stack, fn)].Properties.ReservedConcurrentExecutions;
    expect(of(reserved.construct.relay)).toBe(2);
    expect(of(reserved.construct.consumer)).toBe(8);
    expect(of(reserved.construct.sweeper)).toBeUndefined();
    const plainFunctions = Object.values(plain.template.findResources('AWS::Lambda::Function'));
    expect(plainFunctions.map((fn) => fn.Properties.ReservedConcurrentExecutions)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('refuses a consumer reservation below its event source maximum concurrency, and a negative one', () => {
    expect(() => synthesizePipeline({ reservedConcurrency: { consumer: 3 } })).toThrow(
      /reservedConcurrency\.consumer \(3\) is below consumerMaxConcurrency \(5\)/,
    );
    expect(() => synthesizePipeline({ reservedConcurrency: { relay: -1 } })).toThrow(
      TidingsConfigurationError,
    );
  });
});

describe('TransactionalNotifications defaults the capacity model relies on (docs/capacity.md)', () => {
  let pipeline: SynthesizedPipeline;
  let ref: (construct: Parameters<typeof logicalId>[1]) => string;

  beforeAll(() => {
    pipeline = synthesizePipeline();
    ref = (construct) => logicalId(pipeline.stack, construct);
  });

  /** The properties of the event source mapping that invokes `fn`. */
  function mappingOf(fn: LambdaFunction): Record<string, unknown> {
    const mappings = Object.values(
      pipeline.template.findResources('AWS::Lambda::EventSourceMapping', {
        Properties: { FunctionName: { Ref: ref(fn) } },
      }),
    );
    expect(mappings).toHaveLength(1);
    return (mappings[0] as { Properties: Record<string, unknown> }).Properties;
  }

  it('relays stream batches of 100, one batch per shard at a time, without a batching window', () => {
    // Act
    const relay = mappingOf(pipeline.construct.relay);

    // Assert: no ParallelizationFactor is Lambda's default, 1.
    expect(relay.BatchSize).toBe(100);
    expect(relay.ParallelizationFactor).toBeUndefined();
    expect(relay.MaximumBatchingWindowInSeconds).toBeUndefined();
  });

  it('consumes batches of 10, at most 5 invocations at a time, without a batching window', () => {
    // Act
    const consumer = mappingOf(pipeline.construct.consumer);

    // Assert
    expect(consumer.BatchSize).toBe(10);
    expect(consumer.ScalingConfig).toEqual({ MaximumConcurrency: 5 });
    expect(consumer.MaximumBatchingWindowInSeconds).toBeUndefined();
  });

  it('dead-letters a message on its 10th receive, and tells the consumer so', () => {
    expect(maxReceiveCounts(pipeline)).toEqual({ redrive: 10, consumerEnv: '10' });
  });

  it('bills the outbox table and the ledger on demand, with no maximum or warm throughput', () => {
    // Act
    const resources = pipeline.template.toJSON().Resources;
    const tables = [pipeline.construct.table, pipeline.construct.ledgerTable].map(
      (table) => resources[ref(table)].Properties,
    );

    // Assert
    for (const table of tables) {
      expect(table.BillingMode).toBe('PAY_PER_REQUEST');
      expect(table.OnDemandThroughput).toBeUndefined();
      expect(table.WarmThroughput).toBeUndefined();
    }
  });

  it('uses a standard queue unless FIFO is asked for', () => {
    // Act
    const queue = pipeline.template.toJSON().Resources[ref(pipeline.construct.queue)].Properties;

    // Assert
    expect(queue.FifoQueue).toBeUndefined();
  });
});
