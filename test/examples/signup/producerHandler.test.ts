import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  DynamoDBClient,
  InternalServerError,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HttpProducerResult } from '../../../examples/signup/http/producerResponse.ts';
import { UserEvents } from '../../../examples/signup/notifications.ts';
import {
  createProducerHandler,
  handler,
  type ProducerHandlerDeps,
  producerDepsFromEnv,
  USERS_TABLE_ENV,
} from '../../../examples/signup/producer.ts';
import { DynamoDbTransactWriter } from '../../../lambdas/aws/DynamoDbTransactWriter.ts';
import { Env, MetricName } from '../../../lambdas/constants.ts';
import { defineOutbox } from '../../../lambdas/outbox/defineOutbox.ts';
import { pendingShardOf } from '../../../lambdas/outbox/outboxItem.ts';
import {
  makeFunctionUrlEvent,
  makeLambdaContext,
  makeRestApiEvent,
} from '../../helpers/apiEvents.ts';
import { eventIds, fakeClock, T0 } from '../../helpers/events.ts';

const TABLE = 'tidings';
const [USER_ID, EVENT_ID] = eventIds(2) as [string, string];
const ISO = new Date(T0).toISOString();
const RETENTION_SECONDS = 14 * 24 * 60 * 60;

const outbox = defineOutbox({
  name: 'users',
  schema: UserEvents,
  clock: fakeClock(),
});

/** A TransactionCanceledException as DynamoDB returns it, with these reason codes. */
function cancelled(...codes: string[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: codes.map((Code) =>
      Code === 'None' ? { Code } : { Code, Message: `${Code} happened` },
    ),
  });
}

function bodyOf(result: unknown): unknown {
  return JSON.parse((result as HttpProducerResult).body);
}

const ddb = mockClient(DynamoDBDocumentClient);

/**
 * The one TransactWriteItems input a registration of ada@example.com sends: user, email claim
 * and outbox event, with the token derived from email, user id and request id (hashed): its
 * form is what is fixed.
 */
function registrationTransaction({
  name,
  correlationId,
}: {
  name?: string;
  correlationId: string;
}) {
  return {
    TransactItems: [
      {
        Put: {
          TableName: TABLE,
          Item: {
            pk: `USER#${USER_ID}`,
            sk: 'PROFILE',
            kind: 'user',
            userId: USER_ID,
            email: 'ada@example.com',
            ...(name ? { name } : {}),
            createdAt: ISO,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: TABLE,
          Item: {
            pk: 'EMAIL#ada@example.com',
            sk: 'EMAIL',
            kind: 'userEmail',
            email: 'ada@example.com',
            userId: USER_ID,
            createdAt: ISO,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: TABLE,
          Item: {
            pk: `OUTBOX#${EVENT_ID}`,
            sk: 'OUTBOX',
            kind: 'outbox',
            outbox: 'users',
            eventId: EVENT_ID,
            eventType: 'user.registered',
            occurredAt: ISO,
            payload: { userId: USER_ID, email: 'ada@example.com', ...(name ? { name } : {}) },
            correlationId,
            orderingKey: USER_ID,
            pendingShard: pendingShardOf(EVENT_ID),
            expiresAt: T0 / 1000 + RETENTION_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ],
    ClientRequestToken: expect.stringMatching(/^[0-9a-f]{32}$/),
  };
}

describe('producer handler', () => {
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  const metrics = new Metrics({ namespace: MetricName.NAMESPACE, serviceName: 'test' });

  function producer(overrides: Partial<ProducerHandlerDeps> = {}) {
    const ids = [USER_ID, EVENT_ID];
    return createProducerHandler({
      writer: new DynamoDbTransactWriter({
        client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
      }),
      tableName: TABLE,
      outbox,
      newId: () => ids.shift() ?? 'out-of-ids',
      logger,
      metrics,
      ...overrides,
    });
  }

  beforeAll(() => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  });

  afterEach(() => {
    ddb.reset();
    vi.restoreAllMocks();
  });

  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it('answers 201 with the ids after one TransactWriteItems of user, email claim and outbox event', async () => {
    // Arrange
    ddb.on(TransactWriteCommand).resolves({});
    const added = vi.spyOn(metrics, 'addMetric');
    vi.spyOn(metrics, 'publishStoredMetrics').mockReturnValue(metrics);

    // Act
    const result = await producer()(
      makeFunctionUrlEvent({ email: ' Ada@Example.com ', name: 'Ada' }, { requestId: 'req-7' }),
    );

    // Assert
    expect(result).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: USER_ID, eventId: EVENT_ID }),
    });
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(
      TransactWriteCommand,
      registrationTransaction({ name: 'Ada', correlationId: 'req-7' }),
    );
    expect(added).toHaveBeenCalledWith(MetricName.EVENTS_STAGED, 'Count', 1);
  });

  it('answers 400 with the field errors for invalid input, without calling DynamoDB', async () => {
    // Act
    const result = await producer()(makeFunctionUrlEvent({ email: 'nope', name: '' }));

    // Assert
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({
      error: expect.stringContaining('invalid registration'),
      issues: [
        { path: 'email', message: expect.any(String) },
        { path: 'name', message: expect.any(String) },
      ],
    });
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('answers 400 naming the field for a character SQS refuses, without calling DynamoDB', async () => {
    // Act
    const result = await producer()(
      makeFunctionUrlEvent({ email: 'ada@example.com', name: 'Ada\uFFFF' }),
    );

    // Assert
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({
      error: `payload.name holds U+FFFF at index 3, which SQS refuses in a message: relayed message of event ${EVENT_ID}`,
      issues: [
        { path: 'name', message: 'holds U+FFFF at index 3, which SQS refuses in a message' },
      ],
    });
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('answers 400 for a body that is not JSON', async () => {
    // Act
    const result = await producer()(makeFunctionUrlEvent('{"email":'));

    // Assert
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({
      error: 'malformed request: body is not JSON (9 characters)',
      issues: [{ path: '(root)', message: 'body is not JSON (9 characters)' }],
    });
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('answers 405 for a method other than POST', async () => {
    // Act
    const result = (await producer()(
      makeFunctionUrlEvent(null, { method: 'GET' }),
    )) as HttpProducerResult;

    // Assert
    expect(result.statusCode).toBe(405);
    expect(result.headers.allow).toBe('POST');
  });

  it('answers 409 when DynamoDB cancels the transaction on the email claim', async () => {
    // Arrange
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed', 'None'));
    const added = vi.spyOn(metrics, 'addMetric');

    // Act
    const result = await producer()(makeFunctionUrlEvent({ email: 'ada@example.com' }));

    // Assert
    expect(result.statusCode).toBe(409);
    expect(bodyOf(result)).toEqual({ error: 'this email address is already registered' });
    expect(ddb).toHaveReceivedCommandExactlyOnceWith(
      TransactWriteCommand,
      registrationTransaction({ correlationId: 'req-1' }),
    );
    expect(added).not.toHaveBeenCalled();
  });

  it('answers 503 with retry-after when the transaction is cancelled for contention, and logs it', async () => {
    // Arrange
    ddb.on(TransactWriteCommand).rejects(cancelled('TransactionConflict', 'None', 'None'));
    const logged = vi.spyOn(logger, 'error');

    // Act
    const result = (await producer()(
      makeFunctionUrlEvent({ email: 'ada@example.com' }),
    )) as HttpProducerResult;

    // Assert
    expect(result.statusCode).toBe(503);
    expect(result.headers['retry-after']).toBe('1');
    expect(logged).toHaveBeenCalledWith(
      'registration failed',
      expect.objectContaining({ reason: expect.stringContaining('TransactionContentionError') }),
    );
  });

  it('answers 503 for a DynamoDB server error', async () => {
    // Arrange
    ddb
      .on(TransactWriteCommand)
      .rejects(new InternalServerError({ message: 'boom', $metadata: { httpStatusCode: 500 } }));

    // Act
    const result = await producer()(makeFunctionUrlEvent({ email: 'ada@example.com' }));

    // Assert
    expect(result.statusCode).toBe(503);
  });

  it('answers 500 without details for a permanent AWS failure', async () => {
    // Arrange
    ddb.on(TransactWriteCommand).rejects(
      Object.assign(new Error('Requested resource not found'), {
        name: 'ResourceNotFoundException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    // Act
    const result = await producer()(makeFunctionUrlEvent({ email: 'ada@example.com' }));

    // Assert
    expect(result.statusCode).toBe(500);
    expect(bodyOf(result)).toEqual({ error: 'internal error' });
  });

  it('answers a direct invoke with status and body as an object, correlated to the Lambda request id', async () => {
    // Arrange
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const result = await producer()(
      { email: 'ada@example.com' },
      makeLambdaContext('lambda-req-9'),
    );

    // Assert
    expect(result).toEqual({ statusCode: 201, body: { userId: USER_ID, eventId: EVENT_ID } });
    const input = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input;
    expect(input?.TransactItems?.[2]?.Put?.Item?.correlationId).toBe('lambda-req-9');
  });

  it('answers an invalid direct invoke with 400 as an object', async () => {
    // Act
    const result = await producer()({ name: 'Ada' });

    // Assert
    expect(result).toEqual({
      statusCode: 400,
      body: {
        error: expect.any(String),
        issues: [{ path: 'email', message: expect.any(String) }],
      },
    });
  });

  it('reads an API Gateway v1 event with a base64 body', async () => {
    // Arrange
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const result = await producer()(
      makeRestApiEvent({ email: 'ada@example.com' }, { base64: true, requestId: 'rest-1' }),
    );

    // Assert
    expect(result.statusCode).toBe(201);
    const input = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input;
    expect(input?.TransactItems?.[1]?.Put?.Item?.pk).toBe('EMAIL#ada@example.com');
    expect(input?.TransactItems?.[2]?.Put?.Item?.correlationId).toBe('rest-1');
  });
});

describe('producer handler from the environment', () => {
  afterEach(() => {
    ddb.reset();
    vi.unstubAllEnvs();
  });

  it('says which variable is missing when the outbox table name is not set', () => {
    // Arrange
    vi.stubEnv(USERS_TABLE_ENV, 'users-prod');
    vi.stubEnv(Env.TABLE_NAME, '');

    // Act + Assert
    expect(() => producerDepsFromEnv()).toThrow(
      `environment variable ${Env.TABLE_NAME} must be set`,
    );
  });

  it('says which variable is missing when the users table name is not set', () => {
    // Arrange
    vi.stubEnv(USERS_TABLE_ENV, '');
    vi.stubEnv(Env.TABLE_NAME, 'tidings-prod');

    // Act + Assert
    expect(() => producerDepsFromEnv()).toThrow(
      'environment variable USERS_TABLE_NAME must be set to the users table',
    );
  });

  it('writes the user and the email claim to the users table and the event to the outbox table the environment names', async () => {
    // Arrange
    vi.stubEnv(USERS_TABLE_ENV, 'users-prod');
    vi.stubEnv(Env.TABLE_NAME, 'tidings-prod');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const result = await handler(makeFunctionUrlEvent({ email: 'ada@example.com' }));

    // Assert
    expect(result.statusCode).toBe(201);
    const items = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(items.map((op) => op.Put?.TableName)).toEqual([
      'users-prod',
      'users-prod',
      'tidings-prod',
    ]);
  });
});
