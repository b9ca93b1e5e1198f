/**
 * What the three reference consumers share, for the cold-start comparison only (bundled and
 * loaded, never deployed): Powertools logger, idempotency (DynamoDB persistence, client at
 * module scope) and batch processing around a record handler that parses the body and sends
 * an email with SES v2 or a push with SNS. The entries (`consumer.ts`, `consumerZodNamespace.ts`,
 * `carefulConsumer.ts`) differ only in how they import zod and when they build the SES and
 * SNS clients, which are what the comparison is about.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** A reference message body, as each entry's zod schema parses it. */
export type ReferenceBody =
  | {
      readonly kind: 'email';
      readonly to: string;
      readonly subject: string;
      readonly text: string;
      readonly html?: string | undefined;
    }
  | { readonly kind: 'push'; readonly targetArn: string; readonly message: string };

/** How an entry gets its channel clients: built at import, or on first use. */
export interface ReferenceChannels {
  ses(): SESv2Client;
  sns(): SNSClient;
}

const logger = new Logger({ serviceName: 'reference-consumer' });
const dynamodb = new DynamoDBClient({});
const persistenceStore = new DynamoDBPersistenceLayer({
  tableName: process.env.IDEMPOTENCY_TABLE_NAME ?? 'idempotency',
  awsSdkV3Client: dynamodb,
});
const idempotencyConfig = new IdempotencyConfig({ eventKeyJmesPath: 'messageId' });
const processor = new BatchProcessor(EventType.SQS);

/** The reference consumer's entry point: an SQS batch with partial batch responses. */
export function referenceHandler(
  parseBody: (raw: unknown) => ReferenceBody,
  channels: ReferenceChannels,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const handleRecord = makeIdempotent(
    async (record: SQSRecord): Promise<string | undefined> => {
      const body = parseBody(JSON.parse(record.body));
      if (body.kind === 'email') {
        const sent = await channels.ses().send(
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
      const published = await channels
        .sns()
        .send(new PublishCommand({ TargetArn: body.targetArn, Message: body.message }));
      logger.info('push sent', { messageId: published.MessageId });
      return published.MessageId;
    },
    { persistenceStore, config: idempotencyConfig },
  );
  return async (event, context) => {
    idempotencyConfig.registerLambdaContext(context);
    logger.addContext(context);
    return processPartialResponse(event, handleRecord, processor, { context });
  };
}
