import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsStub, startAwsStub } from '../../bench/awsStub.ts';
import { rejectionOf } from '../helpers/events.ts';

const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };

describe('startAwsStub', () => {
  let stub: AwsStub;

  beforeAll(async () => {
    stub = await startAwsStub();
  });

  afterAll(() => stub.close());

  it('answers the ledger writes and the SES send of a first email as AWS does on success', async () => {
    // Arrange
    const config = { endpoint: stub.url, region: 'us-east-1', credentials, maxAttempts: 1 };
    const dynamoDb = new DynamoDBClient(config);
    const ses = new SESv2Client(config);
    const key = { pk: { S: 'n-1' } };

    // Act
    await dynamoDb.send(new PutItemCommand({ TableName: 'ledger', Item: key }));
    await dynamoDb.send(new UpdateItemCommand({ TableName: 'ledger', Key: key }));
    const sent = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'no-reply@example.com',
        Destination: { ToAddresses: ['ada@example.com'] },
        Content: { Simple: { Subject: { Data: 'Hi' }, Body: { Text: { Data: 'Hello' } } } },
      }),
    );

    // Assert
    expect(sent.MessageId).toBe('bench');
    expect(Object.fromEntries(stub.calls)).toEqual({
      'DynamoDB.PutItem': 1,
      'DynamoDB.UpdateItem': 1,
      'SESv2.SendEmail': 1,
    });
  });

  it('refuses an operation it does not know, so a changed call path shows up as a failure', async () => {
    // Arrange
    const dynamoDb = new DynamoDBClient({
      endpoint: stub.url,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });

    // Act: GetItem is not part of a first email
    const error = await rejectionOf(
      dynamoDb.send(new GetItemCommand({ TableName: 'ledger', Key: { pk: { S: 'n-1' } } })),
    );

    // Assert
    expect(error).toMatchObject({ name: 'ValidationException' });
  });
});
