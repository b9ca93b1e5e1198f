/**
 * Cold-start calibration: the reference consumer's SDK clients and logger, built at import as
 * the reference builds them, without its zod, batch or idempotency code. Its load time over the
 * reference's is the share of the reference that any consumer sending email and push with a
 * DynamoDB ledger pays before code of its own.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';

/** What the reference builds at module scope, exported so the bundler keeps it. */
export const built = {
  logger: new Logger({ serviceName: 'reference-consumer' }),
  ses: new SESv2Client({}),
  sns: new SNSClient({}),
  dynamodb: new DynamoDBClient({}),
};

/** The commands the reference sends. */
export const commands = [SendEmailCommand, PublishCommand];
