import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SqsRequestError } from '../../lambdas/aws/relayErrors.ts';
import { SqsQueueSender } from '../../lambdas/aws/SqsQueueSender.ts';
import type { OutgoingMessage } from '../../lambdas/ports.ts';
import { rejectionOf } from '../helpers/events.ts';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/000000000000/tidings-events';
const sqs = mockClient(SQSClient);
const client = new SQSClient({ region: 'us-east-1' });

afterEach(() => {
  sqs.reset();
});

const message = (id: string, extra: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  id,
  body: `{"id":"${id}"}`,
  attributes: { eventId: id, eventType: 'user.registered' },
  groupId: 'group-1',
  deduplicationId: `dedup-${id}`,
  ...extra,
});

function sdkError(name: string, fault: 'client' | 'server', status?: number): Error {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $fault: fault,
    $metadata: { httpStatusCode: status },
  });
}

describe('SqsQueueSender', () => {
  it('sends string attributes and leaves FIFO fields off a standard queue', async () => {
    // Arrange
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const sender = new SqsQueueSender({ queueUrl: QUEUE_URL, client });

    // Act
    await sender.sendBatch([message('a', { delaySeconds: 5 })]);

    // Assert
    expect(sender.fifo).toBe(false);
    expect(sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, {
      QueueUrl: QUEUE_URL,
      Entries: [
        {
          Id: 'a',
          MessageBody: '{"id":"a"}',
          MessageAttributes: {
            eventId: { DataType: 'String', StringValue: 'a' },
            eventType: { DataType: 'String', StringValue: 'user.registered' },
          },
          DelaySeconds: 5,
        },
      ],
    });
  });

  it('sends group and deduplication ids to a queue whose URL ends in .fifo', async () => {
    // Arrange
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const sender = new SqsQueueSender({ queueUrl: `${QUEUE_URL}.fifo`, client });

    // Act
    await sender.sendBatch([message('a')]);

    // Assert
    expect(sender.fifo).toBe(true);
    expect(sender.name).toBe('tidings-events.fifo');
    expect(sqs).toHaveReceivedCommandWith(SendMessageBatchCommand, {
      Entries: [
        expect.objectContaining({ MessageGroupId: 'group-1', MessageDeduplicationId: 'dedup-a' }),
      ],
    });
  });

  it('maps Successful and Failed, and reports an entry SQS left out of both as failed', async () => {
    // Arrange
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [{ Id: 'a', MessageId: 'm-a', MD5OfMessageBody: 'x' }],
      Failed: [{ Id: 'b', Code: 'InvalidParameterValue', Message: 'bad', SenderFault: true }],
    });
    const sender = new SqsQueueSender({ queueUrl: QUEUE_URL, client });

    // Act
    const result = await sender.sendBatch([message('a'), message('b'), message('c')]);

    // Assert
    expect(result.successful).toEqual([{ id: 'a', messageId: 'm-a' }]);
    expect(result.failed).toEqual([
      { id: 'b', code: 'InvalidParameterValue', message: 'bad', senderFault: true },
      expect.objectContaining({ id: 'c', code: 'MissingFromResponse', senderFault: false }),
    ]);
  });

  it.each([
    ['a client fault', sdkError('QueueDoesNotExist', 'client', 400), true],
    ['throttling', sdkError('RequestThrottled', 'client', 403), false],
    ['an HTTP 429', sdkError('SomethingNew', 'client', 429), false],
    ['a server fault', sdkError('InternalError', 'server', 500), false],
    [
      'a network error',
      Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }),
      false,
    ],
  ])('throws a typed error for %s, permanent=%s', async (_, cause, permanent) => {
    // Arrange
    sqs.on(SendMessageBatchCommand).rejects(cause);
    const sender = new SqsQueueSender({ queueUrl: QUEUE_URL, client });

    // Act
    const error = await rejectionOf(sender.sendBatch([message('a')]));

    // Assert
    expect(error).toBeInstanceOf(SqsRequestError);
    expect(error).toMatchObject({ permanent, code: cause.name, queue: 'tidings-events' });
  });

  it('refuses a queue URL it cannot parse, naming it', () => {
    expect(() => new SqsQueueSender({ queueUrl: 'tidings-events', client })).toThrow(
      'not an SQS queue URL: "tidings-events"',
    );
  });
});
