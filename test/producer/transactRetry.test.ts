import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  createTransactWriteClient,
  DynamoDbTransactWriter,
} from '../../lambdas/aws/DynamoDbTransactWriter.ts';
import { TransactionContentionError } from '../../lambdas/aws/errors.ts';
import { TransactionCanceledError } from '../../lambdas/outbox/errors.ts';
import type { TransactItems } from '../../lambdas/ports.ts';
import { rejectionOf } from '../helpers/events.ts';

// No aws-sdk-client-mock here: these tests run the SDK's real middleware stack and retry
// strategy against a scripted HTTP layer.

const TABLE = 'tidings';
const ITEMS: TransactItems = [
  { Put: { TableName: TABLE, Item: { pk: 'A', sk: 'S' } } },
  {
    Put: {
      TableName: TABLE,
      Item: { pk: 'B', sk: 'S' },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  },
];

/**
 * A DynamoDB endpoint stand-in for the SDK's HTTP layer: answers each request with the next
 * `[status, body]` and records the request bodies, so the SDK's real retry strategy runs.
 */
function scriptedEndpoint(responses: [number, unknown][]) {
  const bodies: string[] = [];
  return {
    bodies,
    handle: async (request: { body?: unknown }) => {
      const body = request.body;
      bodies.push(body instanceof Uint8Array ? new TextDecoder().decode(body) : String(body));
      const [statusCode, json] = responses.shift() ?? [500, {}];
      return {
        response: {
          statusCode,
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: Readable.from([Buffer.from(JSON.stringify(json))]),
        },
      };
    },
  };
}

const CONFLICT: [number, unknown] = [
  400,
  {
    __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
    Message: 'Transaction cancelled [None, TransactionConflict]',
    CancellationReasons: [
      { Code: 'None' },
      { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' },
    ],
  },
];
const CONDITION_FAILED: [number, unknown] = [
  400,
  {
    __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
    Message: 'Transaction cancelled [None, ConditionalCheckFailed]',
    CancellationReasons: [
      { Code: 'None' },
      { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' },
    ],
  },
];
const THROUGHPUT_CANCELLED: [number, unknown] = [
  400,
  {
    __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
    Message: 'Transaction cancelled [None, ProvisionedThroughputExceeded]',
    CancellationReasons: [
      { Code: 'None' },
      {
        Code: 'ProvisionedThroughputExceeded',
        Message: 'The level of configured provisioned throughput for the table was exceeded',
      },
    ],
  },
];
const THROUGHPUT_EXCEEDED: [number, unknown] = [
  400,
  {
    __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    message: 'The level of configured provisioned throughput for the table was exceeded',
  },
];
const OK: [number, unknown] = [200, {}];

const localConfig = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
};

describe('createTransactWriteClient', () => {
  it.each([
    ['a transaction cancelled for a conflict', [CONFLICT, CONFLICT]],
    ['a transaction cancelled for a throttled partition', [THROUGHPUT_CANCELLED]],
    ['a whole request throttled for throughput', [THROUGHPUT_EXCEEDED]],
  ])('has the SDK retry %s, resending the same request and token', async (_, failures) => {
    // Arrange
    const endpoint = scriptedEndpoint([...failures, OK]);
    const client = createTransactWriteClient({ ...localConfig, requestHandler: endpoint });

    // Act
    const error = await rejectionOf(
      new DynamoDbTransactWriter({ client }).transactWrite(ITEMS, {
        clientRequestToken: 'token-1',
      }),
    );

    // Assert
    expect(error).toBeUndefined();
    expect(endpoint.bodies).toHaveLength(failures.length + 1);
    expect(new Set(endpoint.bodies).size).toBe(1);
    expect(JSON.parse(endpoint.bodies[0] ?? '{}')).toMatchObject({ ClientRequestToken: 'token-1' });
  });

  it('gives up after its attempts with a TransactionContentionError', async () => {
    // Arrange
    const endpoint = scriptedEndpoint([CONFLICT, CONFLICT]);
    const client = createTransactWriteClient({
      ...localConfig,
      maxAttempts: 2,
      requestHandler: endpoint,
    });

    // Act
    const error = await rejectionOf(new DynamoDbTransactWriter({ client }).transactWrite(ITEMS));

    // Assert
    expect(endpoint.bodies).toHaveLength(2);
    expect(error).toBeInstanceOf(TransactionContentionError);
  });

  it('does not retry a failed condition', async () => {
    // Arrange
    const endpoint = scriptedEndpoint([CONDITION_FAILED, OK]);
    const client = createTransactWriteClient({ ...localConfig, requestHandler: endpoint });

    // Act
    const error = await rejectionOf(new DynamoDbTransactWriter({ client }).transactWrite(ITEMS));

    // Assert
    expect(endpoint.bodies).toHaveLength(1);
    expect(error).toBeInstanceOf(TransactionCanceledError);
  });

  it('drops undefined attributes when marshalling', async () => {
    // Arrange
    const endpoint = scriptedEndpoint([OK]);
    const client = createTransactWriteClient({ ...localConfig, requestHandler: endpoint });

    // Act
    await new DynamoDbTransactWriter({ client }).transactWrite([
      { Put: { TableName: TABLE, Item: { pk: 'A', sk: 'S', name: undefined } } },
    ]);

    // Assert
    expect(JSON.parse(endpoint.bodies[0] ?? '{}').TransactItems[0].Put.Item).toEqual({
      pk: { S: 'A' },
      sk: { S: 'S' },
    });
  });

  it('is needed: a plain client gives up on the first conflict', async () => {
    // Arrange
    const endpoint = scriptedEndpoint([CONFLICT, OK]);
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({ ...localConfig, requestHandler: endpoint }),
    );

    // Act
    const error = await rejectionOf(new DynamoDbTransactWriter({ client }).transactWrite(ITEMS));

    // Assert
    expect(endpoint.bodies).toHaveLength(1);
    expect(error).toBeInstanceOf(TransactionContentionError);
  });
});
