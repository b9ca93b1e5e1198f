import {
  ChangeMessageVisibilityCommand,
  SendMessageBatchCommand,
  type SendMessageBatchCommandInput,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Env } from '../../lambdas/constants.ts';
import { consumerDepsFromEnv } from '../../lambdas/consumer.ts';
import { makeSqsRecord } from '../helpers/sqs.ts';

// Counts the SQS clients built, keeping the SDK's own client otherwise.
const built = vi.hoisted(() => ({ clients: 0 }));
vi.mock('@aws-sdk/client-sqs', async (importOriginal) => {
  const sdk = await importOriginal<typeof import('@aws-sdk/client-sqs')>();
  class CountedSQSClient extends sdk.SQSClient {
    constructor(...args: ConstructorParameters<typeof sdk.SQSClient>) {
      super(...args);
      built.clients++;
    }
  }
  return { ...sdk, SQSClient: CountedSQSClient };
});

const sqs = mockClient(SQSClient);
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/tidings-events';
const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/tidings-consumer-dlq';

afterEach(() => {
  sqs.reset();
  vi.unstubAllEnvs();
});

describe('the consumer built from the environment', () => {
  it('builds its SQS client on the first visibility change or dead letter, not at init, and only one', async () => {
    // Arrange
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv(Env.FROM_ADDRESS, 'no-reply@example.com');
    vi.stubEnv(Env.QUEUE_URL, QUEUE_URL);
    vi.stubEnv(Env.CONSUMER_DLQ_URL, DLQ_URL);
    vi.stubEnv(Env.WEBHOOK_SECRET_ARN, undefined);
    vi.stubEnv(Env.LEDGER_TABLE_NAME, undefined);
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    sqs.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
      Successful: (input.Entries ?? []).map((entry) => ({ Id: entry.Id, MessageId: 'dlq-1' })),
      Failed: [],
    }));

    // Act
    const deps = consumerDepsFromEnv();
    const atInit = built.clients;
    await deps.visibility?.changeVisibility('receipt-1', 30);
    await deps.deadLetters.deadLetter(makeSqsRecord({ body: 'not json' }), {
      reason: 'body is not JSON',
      errorName: 'TypeError',
    });

    // Assert
    expect(atInit).toBe(0);
    expect(built.clients).toBe(1);
    expect(sqs).toHaveReceivedCommandWith(ChangeMessageVisibilityCommand, {
      QueueUrl: QUEUE_URL,
      ReceiptHandle: 'receipt-1',
      VisibilityTimeout: 30,
    });
    expect(sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, { QueueUrl: DLQ_URL });
  });
});

describe('the relay built from the environment', () => {
  it('builds its SQS client at init, since every invocation sends', async () => {
    // Arrange: fresh modules, so no client is cached from another test.
    vi.resetModules();
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv(Env.QUEUE_URL, QUEUE_URL);
    vi.stubEnv(Env.RELAY_DLQ_URL, DLQ_URL);
    vi.stubEnv(Env.TABLE_NAME, 'tidings-outbox');
    const { relayDepsFromEnv } = await import('../../lambdas/relay.ts');
    const before = built.clients;

    // Act
    relayDepsFromEnv();

    // Assert
    expect(built.clients - before).toBe(1);
  });
});
