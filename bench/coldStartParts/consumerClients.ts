/**
 * Cold-start calibration: the SDK and Powertools code Tidings' consumer loads, built as the
 * consumer builds it at init (DynamoDB for the ledger, logger, metrics), with SES, SNS, SQS and
 * Secrets Manager imported but built on first use. No Tidings code: what this costs against
 * the reference is the floor under the consumer, before any routing, validation or ledger code.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  ChangeMessageVisibilityCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';

/** What the consumer builds at init, exported so the bundler keeps it. */
export const built = {
  logger: new Logger({ serviceName: 'consumer' }),
  metrics: new Metrics({ namespace: 'Tidings', serviceName: 'consumer' }),
  dynamodb: new DynamoDBClient({}),
};

/** The clients the consumer builds on first use. */
export const onFirstUse = {
  ses: () => new SESv2Client({}),
  sns: () => new SNSClient({}),
  sqs: () => new SQSClient({}),
  secrets: () => new SecretsManagerClient({}),
};

/** The commands the consumer sends. */
export const commands = [
  SendEmailCommand,
  PublishCommand,
  ChangeMessageVisibilityCommand,
  SendMessageBatchCommand,
  GetSecretValueCommand,
];
