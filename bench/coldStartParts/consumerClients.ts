/**
 * Cold-start calibration: the SDK and Powertools code Tidings' consumer loads at init, built as
 * the consumer builds it (DynamoDB for the ledger, logger, metrics), with SQS imported but built
 * on first use. SES, SNS and Secrets Manager are not here: the deployed consumer is code-split
 * and loads them on the first notification of their kind. No Tidings code: what this costs
 * against the reference is the floor under the consumer, before any routing, validation or
 * ledger code.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
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

/** The client the consumer builds on first use. */
export const onFirstUse = { sqs: () => new SQSClient({}) };

/** The commands the consumer sends from its init code. */
export const commands = [ChangeMessageVisibilityCommand, SendMessageBatchCommand];
