import {
  DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDbTransactWriter } from '../../lambdas/aws/DynamoDbTransactWriter.ts';
import {
  DynamoDbRequestError,
  isTransientAwsError,
  TransactionContentionError,
} from '../../lambdas/aws/errors.ts';
import { TransactionCanceledError } from '../../lambdas/outbox/errors.ts';
import type { TransactItems } from '../../lambdas/ports.ts';
import { rejectionOf } from '../helpers/events.ts';

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

/** A `TransactionCanceledException` as the SDK throws it, with these reason codes. */
function cancelled(...codes: string[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: codes.map((Code) =>
      Code === 'None' ? { Code } : { Code, Message: `${Code} happened` },
    ),
  });
}

describe('DynamoDbTransactWriter', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const writer = () =>
    new DynamoDbTransactWriter({
      client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    });

  afterEach(() => {
    ddb.reset();
  });

  it('sends the items in one TransactWriteCommand with the client request token', async () => {
    // Arrange
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    await writer().transactWrite(ITEMS, { clientRequestToken: 'token-1' });

    // Assert
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(TransactWriteCommand, {
      TransactItems: ITEMS,
      ClientRequestToken: 'token-1',
    });
  });

  it('sends no token when none is given', async () => {
    // Arrange
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    await writer().transactWrite(ITEMS);

    // Assert
    expect(ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input).toEqual({
      TransactItems: ITEMS,
    });
  });

  it('turns a failed condition into a permanent TransactionCanceledError with the reasons lined up', async () => {
    // Arrange
    const sdkError = cancelled('None', 'ConditionalCheckFailed');
    ddb.on(TransactWriteCommand).rejects(sdkError);

    // Act
    const error = await rejectionOf(writer().transactWrite(ITEMS));

    // Assert
    expect(error).toBeInstanceOf(TransactionCanceledError);
    expect(error).toMatchObject({
      permanent: true,
      reasons: [
        { code: 'None' },
        { code: 'ConditionalCheckFailed', message: 'ConditionalCheckFailed happened' },
      ],
    });
    expect((error as Error).cause).toBe(sdkError);
  });

  it.each([
    ['a transaction conflict', ['None', 'TransactionConflict']],
    ['throttling', ['ThrottlingError', 'ProvisionedThroughputExceeded']],
  ])(
    'turns a cancellation for %s only into a transient TransactionContentionError',
    async (_, codes) => {
      // Arrange
      ddb.on(TransactWriteCommand).rejects(cancelled(...codes));

      // Act
      const error = await rejectionOf(writer().transactWrite(ITEMS));

      // Assert
      expect(error).toBeInstanceOf(TransactionContentionError);
      expect(error).toMatchObject({ permanent: false, reasons: codes.map((code) => ({ code })) });
    },
  );

  it('keeps a cancellation permanent when a condition failed alongside a conflict', async () => {
    // Arrange
    ddb
      .on(TransactWriteCommand)
      .rejects(cancelled('ConditionalCheckFailed', 'TransactionConflict'));

    // Act
    const error = await rejectionOf(writer().transactWrite(ITEMS));

    // Assert
    expect(error).toBeInstanceOf(TransactionCanceledError);
  });

  it('wraps throttling of the whole request as a transient DynamoDbRequestError', async () => {
    // Arrange
    ddb.on(TransactWriteCommand).rejects(
      new ProvisionedThroughputExceededException({
        message: 'Rate of requests exceeds the allowed throughput',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    // Act
    const error = await rejectionOf(writer().transactWrite(ITEMS));

    // Assert
    expect(error).toBeInstanceOf(DynamoDbRequestError);
    expect(error).toMatchObject({
      permanent: false,
      code: 'ProvisionedThroughputExceededException',
      action: 'TransactWriteItems',
    });
  });

  it('wraps a server fault as transient and a validation error as permanent', async () => {
    // Arrange
    const validation = Object.assign(
      new Error('Transaction request cannot include multiple operations on one item'),
      {
        name: 'ValidationException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      },
    );
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(new InternalServerError({ message: 'boom', $metadata: { httpStatusCode: 500 } }))
      .rejectsOnce(validation);

    // Act
    const serverFault = await rejectionOf(writer().transactWrite(ITEMS));
    const invalid = await rejectionOf(writer().transactWrite(ITEMS));

    // Assert
    expect(serverFault).toMatchObject({ code: 'InternalServerError', permanent: false });
    expect(invalid).toMatchObject({ code: 'ValidationException', permanent: true });
    expect((invalid as Error).message).toContain('multiple operations on one item');
  });
});

describe('isTransientAwsError', () => {
  it('treats network errors, which carry no fault, as transient and a reused token as permanent', () => {
    // Arrange
    const network = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const mismatch = Object.assign(new Error('token reused'), {
      name: 'IdempotentParameterMismatchException',
      $fault: 'client',
    });

    // Act + Assert
    expect(isTransientAwsError(network)).toBe(true);
    expect(isTransientAwsError(mismatch)).toBe(false);
  });
});
