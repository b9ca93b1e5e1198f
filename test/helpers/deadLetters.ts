import type { Message } from '@aws-sdk/client-sqs';
import { STREAM_ARN } from './streams.ts';

/** A message as it sits on a `MemoryQueue` (or any queue): id, body and string attributes. */
export interface StoredLetter {
  readonly messageId: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * The SQS `ReceiveMessage` form of a stored message: String message attributes, system
 * attributes (receive count 1 unless given) and a receipt handle naming the message.
 */
export function receivedMessage(
  letter: StoredLetter,
  systemAttributes: Readonly<Record<string, string>> = {},
): Message {
  return {
    MessageId: letter.messageId,
    ReceiptHandle: `receipt-${letter.messageId}`,
    Body: letter.body,
    Attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1735689600000',
      ...systemAttributes,
    },
    MessageAttributes: Object.fromEntries(
      Object.entries(letter.attributes).map(([name, value]) => [
        name,
        { DataType: 'String', StringValue: value },
      ]),
    ),
  };
}

/**
 * The body of the record Lambda sends to a DynamoDB stream event source mapping's on-failure
 * destination: invocation metadata and the batch's shard and sequence range, not the records.
 */
export function lambdaOnFailureBody(
  options: {
    readonly condition?: string;
    readonly startSequenceNumber?: string;
    readonly endSequenceNumber?: string;
    readonly batchSize?: number;
  } = {},
): string {
  return JSON.stringify({
    requestContext: {
      requestId: '316aa6d0-8154-4a04-a4f6-6e0c8f0e1d2b',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:tidings-relay',
      condition: options.condition ?? 'RetryAttemptsExhausted',
      approximateInvokeCount: 3,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: '2025-01-01T00:10:00.000Z',
    DDBStreamBatchInfo: {
      shardId: 'shardId-00000001735689600000-0123abcd',
      startSequenceNumber: options.startSequenceNumber ?? '000000000000000000100',
      endSequenceNumber: options.endSequenceNumber ?? '000000000000000000300',
      approximateArrivalOfFirstRecord: '2025-01-01T00:00:00Z',
      approximateArrivalOfLastRecord: '2025-01-01T00:00:02Z',
      batchSize: options.batchSize ?? 3,
      streamArn: STREAM_ARN,
    },
  });
}
