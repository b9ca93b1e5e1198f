/**
 * A reference consumer written the conventional way, for the cold-start comparison only (it is
 * bundled and loaded, never deployed): every client it might need is imported and constructed
 * at module scope, Powertools batch, idempotency and logger wrap the record handler, and zod
 * validates the body. Tidings' consumer is held to at most 0.7x its load time.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';

const logger = new Logger({ serviceName: 'reference-consumer' });
const ses = new SESv2Client({});
const sns = new SNSClient({});
const dynamodb = new DynamoDBClient({});
const persistenceStore = new DynamoDBPersistenceLayer({
  tableName: process.env.IDEMPOTENCY_TABLE_NAME ?? 'idempotency',
  awsSdkV3Client: dynamodb,
});
const idempotencyConfig = new IdempotencyConfig({ eventKeyJmesPath: 'messageId' });
const processor = new BatchProcessor(EventType.SQS);

const Body = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('email'),
    to: z.email(),
    subject: z.string().min(1),
    text: z.string(),
    html: z.string().optional(),
  }),
  z.object({
    kind: z.literal('push'),
    targetArn: z.string().startsWith('arn:aws:sns:'),
    message: z.string(),
  }),
]);

const handleRecord = makeIdempotent(
  async (record: SQSRecord): Promise<string | undefined> => {
    const body = Body.parse(JSON.parse(record.body));
    if (body.kind === 'email') {
      const sent = await ses.send(
        new SendEmailCommand({
          FromEmailAddress: process.env.FROM_ADDRESS,
          Destination: { ToAddresses: [body.to] },
          Content: {
            Simple: {
              Subject: { Data: body.subject },
              Body: {
                Text: { Data: body.text },
                ...(body.html ? { Html: { Data: body.html } } : {}),
              },
            },
          },
        }),
      );
      logger.info('email sent', { messageId: sent.MessageId });
      return sent.MessageId;
    }
    const published = await sns.send(
      new PublishCommand({ TargetArn: body.targetArn, Message: body.message }),
    );
    logger.info('push sent', { messageId: published.MessageId });
    return published.MessageId;
  },
  { persistenceStore, config: idempotencyConfig },
);

/** The reference consumer's entry point: an SQS batch with partial batch responses. */
export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  idempotencyConfig.registerLambdaContext(context);
  logger.addContext(context);
  return processPartialResponse(event, handleRecord, processor, { context });
};
