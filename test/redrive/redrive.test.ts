import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  type Message,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { notifications, usersOutbox } from '../../examples/signup/notifications.ts';
import {
  outboxItemDeadLetters,
  sqsRecordDeadLetters,
  streamRecordDeadLetters,
} from '../../lambdas/aws/deadLetter.ts';
import { createConsumerHandler } from '../../lambdas/consumer.ts';
import { RecordingSenders } from '../../lambdas/notifications/RecordingSenders.ts';
import { pendingShardOf, toOutboxItem } from '../../lambdas/outbox/outboxItem.ts';
import { MemoryQueue } from '../../lambdas/queue/MemoryQueue.ts';
import { RedriveRequestError } from '../../lambdas/redrive/errors.ts';
import { startDeadLetterMove } from '../../lambdas/redrive/moveDeadLetters.ts';
import { peekDeadLetters } from '../../lambdas/redrive/peekDeadLetters.ts';
import { redriveRelayDeadLetters } from '../../lambdas/redrive/redriveRelay.ts';
import { formatRedriveOutcome, redriveCli } from '../../lambdas/redrive/runRedrive.ts';
import { createRelayHandler } from '../../lambdas/relay.ts';
import { lambdaOnFailureBody, receivedMessage } from '../helpers/deadLetters.ts';
import { eventIds, makeEvent, rejectionOf } from '../helpers/events.ts';
import { makeStreamEvent, outboxInsertRecord } from '../helpers/relayRecords.ts';
import { makeSqsEvent, makeSqsRecord } from '../helpers/sqs.ts';

const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/tidings-dlq';
const DLQ_ARN = 'arn:aws:sqs:us-east-1:123456789012:tidings-dlq';
const RELAY_DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/tidings-relay-dlq';
const EVENTS_ARN = 'arn:aws:sqs:us-east-1:123456789012:tidings-events';
const TABLE = 'tidings';

const sqsMock = mockClient(SQSClient);
const ddbMock = mockClient(DynamoDBClient);
const sqs = new SQSClient({ region: 'us-east-1' });
const dynamodb = new DynamoDBClient({ region: 'us-east-1' });

afterEach(() => {
  sqsMock.reset();
  ddbMock.reset();
});

/** The dead letter the consumer writes for a body that is not JSON, taken off a MemoryQueue. */
async function consumerLetter() {
  const dlq = new MemoryQueue({ name: 'tidings-dlq' });
  const handler = createConsumerHandler({
    router: notifications.router,
    queueSpec: notifications.queue,
    senders: new RecordingSenders(),
    deadLetters: sqsRecordDeadLetters(dlq),
    visibility: { changeVisibility: async () => {} },
  });
  await handler(makeSqsEvent([makeSqsRecord({ body: 'hello?' })]));
  const [letter] = dlq.messages();
  if (!letter) throw new Error('the consumer wrote no dead letter');
  return letter;
}

/** The dead letter the relay writes for an outbox item whose payload fails its schema. */
async function relayLetter(eventId: string) {
  const dlq = new MemoryQueue({ name: 'tidings-relay-dlq' });
  const event = makeEvent({ eventId, payload: { userId: 'not-a-uuid' } });
  const relay = createRelayHandler({
    queue: new MemoryQueue({ name: 'tidings-events' }),
    deadLetters: streamRecordDeadLetters(dlq),
    outboxes: [usersOutbox],
  });
  await relay(makeStreamEvent([outboxInsertRecord(event)]));
  const [letter] = dlq.messages();
  if (!letter) throw new Error('the relay wrote no dead letter');
  return { letter, item: toOutboxItem(event, { name: 'users' }) };
}

/** The sweeper's letter for an outbox item too large for a message: only its key. */
async function omittedItemLetter(eventId: string) {
  const item = toOutboxItem(makeEvent({ eventId, payload: { blob: 'x'.repeat(1_100_000) } }), {
    name: 'blobs',
  });
  const dlq = new MemoryQueue({ name: 'tidings-relay-dlq' });
  await outboxItemDeadLetters(dlq).deadLetter(item as unknown as Record<string, unknown>, {
    reason: 'message is 1100321 bytes, over the SQS limit of 1048576',
    errorName: 'UnrelayableOutboxItem',
    eventId,
  });
  const [letter] = dlq.messages();
  if (!letter) throw new Error('the sweeper wrote no dead letter');
  return letter;
}

const conditionFailed = () =>
  new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
  });

function receiving(...messages: Message[]) {
  sqsMock.on(ReceiveMessageCommand).resolvesOnce({ Messages: messages }).resolves({ Messages: [] });
  sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
}

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
}

describe('dry run', () => {
  it('lists each message with its event, reason and receive count, deletes nothing and releases them', async () => {
    // Arrange
    const letter = await consumerLetter();
    const exhausted = receivedMessage(
      {
        messageId: 'm-exhausted',
        body: JSON.stringify({ specversion: '1.0', id: eventIds(1)[0], type: 'user.registered' }),
        attributes: { eventId: eventIds(1)[0] as string, eventType: 'user.registered' },
      },
      { ApproximateReceiveCount: '6', DeadLetterQueueSourceArn: EVENTS_ARN },
    );
    receiving(receivedMessage(letter), exhausted);

    // Act
    const peek = await peekDeadLetters({ client: sqs, queueUrl: DLQ_URL, max: 100 });

    // Assert
    expect(peek.listings).toEqual([
      expect.objectContaining({
        messageId: letter.messageId,
        origin: 'consumer',
        errorName: 'InvalidEnvelopeError',
        reason: 'InvalidEnvelopeError: invalid event envelope: body is not JSON: "hello?"',
        receiveCount: 1,
        sourceQueue: 'tidings-events',
      }),
      expect.objectContaining({
        messageId: 'm-exhausted',
        eventId: eventIds(1)[0],
        eventType: 'user.registered',
        origin: 'redrive-policy',
        reason: `moved here by the redrive policy of ${EVENTS_ARN}: its last receive (maxReceiveCount) did not finish, by a crash or timeout of the consumer, a failed dead-letter send, or a lost delete`,
        receiveCount: 6,
      }),
    ]);
    expect(sqsMock).toHaveReceivedCommandWith(ReceiveMessageCommand, {
      QueueUrl: DLQ_URL,
      VisibilityTimeout: 30,
      MessageAttributeNames: ['All'],
      AttributeNames: ['All'],
    });
    expect(sqsMock).not.toHaveReceivedCommand(DeleteMessageCommand);
    expect(sqsMock).not.toHaveReceivedCommand(StartMessageMoveTaskCommand);
    expect(sqsMock).toHaveReceivedCommandWith(ChangeMessageVisibilityBatchCommand, {
      QueueUrl: DLQ_URL,
      Entries: [
        { Id: '0', ReceiptHandle: `receipt-${letter.messageId}`, VisibilityTimeout: 0 },
        { Id: '1', ReceiptHandle: 'receipt-m-exhausted', VisibilityTimeout: 0 },
      ],
    });
  });

  it('stops at --max and prints a summary through the command line', async () => {
    // Arrange
    const letter = await consumerLetter();
    sqsMock.on(ReceiveMessageCommand).resolves({ Messages: [receivedMessage(letter)] });
    sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({});
    const { out, io: cli } = io();

    // Act
    const code = await redriveCli(['--queue', DLQ_URL, '--dry-run', '--max', '1'], {
      clients: () => ({ sqs, dynamodb }),
      io: cli,
    });

    // Assert
    expect(code).toBe(0);
    expect(sqsMock).toHaveReceivedCommandTimes(ReceiveMessageCommand, 1);
    expect(sqsMock).toHaveReceivedCommandWith(ReceiveMessageCommand, { MaxNumberOfMessages: 1 });
    expect(out.join('\n')).toContain('nothing was moved or deleted');
    expect(out.join('\n')).toContain('InvalidEnvelopeError: invalid event envelope');
    expect(out.join('\n')).toContain('Would move 1 message(s) (1 from consumer).');
  });
});

describe('formatRedriveOutcome', () => {
  it("names the error once, whether or not the letter's reason already starts with it", async () => {
    // Arrange
    const letter = await consumerLetter();
    const omitted = await omittedItemLetter(eventIds(1)[0] as string);
    receiving(receivedMessage(letter), receivedMessage(omitted));
    const peek = await peekDeadLetters({ client: sqs, queueUrl: DLQ_URL, max: 100 });

    // Act
    const text = formatRedriveOutcome({ mode: 'dry-run', peek });

    // Assert
    const reasonLines = text.split('\n').filter((line) => line.startsWith('    '));
    expect(reasonLines).toEqual([
      '    InvalidEnvelopeError: invalid event envelope: body is not JSON: "hello?"',
      '    UnrelayableOutboxItem: message is 1100321 bytes, over the SQS limit of 1048576',
    ]);
  });
});

describe('move', () => {
  it('starts a message move task from the ARN SQS gives for the URL, to --to at --max-per-second', async () => {
    // Arrange
    sqsMock.on(GetQueueAttributesCommand).resolves({ Attributes: { QueueArn: DLQ_ARN } });
    sqsMock.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-1' });
    const { out, io: cli } = io();

    // Act
    const code = await redriveCli(
      ['--queue', DLQ_URL, '--to', EVENTS_ARN, '--max-per-second', '20'],
      { clients: () => ({ sqs, dynamodb }), io: cli },
    );

    // Assert
    expect(code).toBe(0);
    expect(sqsMock).toHaveReceivedCommandWith(GetQueueAttributesCommand, {
      QueueUrl: DLQ_URL,
      AttributeNames: ['QueueArn'],
    });
    expect(sqsMock).toHaveReceivedCommandWith(StartMessageMoveTaskCommand, {
      SourceArn: DLQ_ARN,
      DestinationArn: EVENTS_ARN,
      MaxNumberOfMessagesPerSecond: 20,
    });
    expect(out.join('\n')).toContain('Task handle: task-1');
  });

  it('moves back to the source queues when no --to is given', async () => {
    // Arrange
    sqsMock.on(GetQueueAttributesCommand).resolves({ Attributes: { QueueArn: DLQ_ARN } });
    sqsMock.on(StartMessageMoveTaskCommand).resolves({ TaskHandle: 'task-2' });

    // Act
    const move = await startDeadLetterMove({ client: sqs, queueUrl: DLQ_URL });

    // Assert
    expect(move).toEqual({ sourceArn: DLQ_ARN, taskHandle: 'task-2' });
    const input = sqsMock.commandCalls(StartMessageMoveTaskCommand)[0]?.args[0].input;
    expect(input).toEqual({ SourceArn: DLQ_ARN });
  });

  it('fails with a typed error naming the queue when the URL names no queue, and exits 1', async () => {
    // Arrange
    sqsMock
      .on(GetQueueAttributesCommand)
      .rejects(
        new QueueDoesNotExist({ message: 'The specified queue does not exist.', $metadata: {} }),
      );
    const { err, io: cli } = io();

    // Act
    const error = await rejectionOf(startDeadLetterMove({ client: sqs, queueUrl: DLQ_URL }));
    const code = await redriveCli(['--queue', DLQ_URL], {
      clients: () => ({ sqs, dynamodb }),
      io: cli,
    });

    // Assert
    expect(error).toBeInstanceOf(RedriveRequestError);
    expect((error as RedriveRequestError).code).toBe('QueueDoesNotExist');
    expect(code).toBe(1);
    expect(err.join('\n')).toContain(
      `GetQueueAttributes on "${DLQ_URL}" failed: QueueDoesNotExist`,
    );
    expect(sqsMock).not.toHaveReceivedCommand(StartMessageMoveTaskCommand);
  });

  it('lists the move tasks with --status', async () => {
    // Arrange
    sqsMock.on(GetQueueAttributesCommand).resolves({ Attributes: { QueueArn: DLQ_ARN } });
    sqsMock.on(ListMessageMoveTasksCommand).resolves({
      Results: [
        {
          Status: 'RUNNING',
          TaskHandle: 'task-1',
          ApproximateNumberOfMessagesMoved: 3,
          ApproximateNumberOfMessagesToMove: 10,
          StartedTimestamp: Date.UTC(2025, 0, 1),
        },
      ],
    });
    const { out, io: cli } = io();

    // Act
    const code = await redriveCli(['--queue', DLQ_URL, '--status'], {
      clients: () => ({ sqs, dynamodb }),
      io: cli,
    });

    // Assert
    expect(code).toBe(0);
    expect(sqsMock).toHaveReceivedCommandWith(ListMessageMoveTasksCommand, { SourceArn: DLQ_ARN });
    expect(out.join('\n')).toContain(
      '- RUNNING: 3 of 10 moved to their source queues, started 2025-01-01T00:00:00.000Z [task-1]',
    );
  });
});

describe('relay redrive', () => {
  it('puts a dead-lettered outbox item back only if absent, then deletes its letter', async () => {
    // Arrange
    const [eventId] = eventIds(1) as [string];
    const { letter, item } = await relayLetter(eventId);
    receiving(receivedMessage(letter));
    ddbMock.on(PutItemCommand).resolves({});
    sqsMock.on(DeleteMessageCommand).resolves({});

    // Act
    const report = await redriveRelayDeadLetters({
      sqs,
      dynamodb,
      queueUrl: RELAY_DLQ_URL,
      tableName: TABLE,
      dryRun: false,
      max: 10,
    });

    // Assert
    expect(ddbMock).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: TABLE,
      Item: marshall(item),
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(sqsMock).toHaveReceivedCommandWith(DeleteMessageCommand, {
      QueueUrl: RELAY_DLQ_URL,
      ReceiptHandle: `receipt-${letter.messageId}`,
    });
    expect(report.entries).toEqual([
      expect.objectContaining({
        action: 'restaged',
        detail: expect.stringContaining('it failed with PayloadValidationError'),
        listing: expect.objectContaining({
          eventId,
          origin: 'relay',
          errorName: 'PayloadValidationError',
        }),
      }),
    ]);
    expect(sqsMock).not.toHaveReceivedCommand(ChangeMessageVisibilityBatchCommand);
  });

  it('re-stages the JSON item of a sweeper letter in DynamoDB form', async () => {
    // Arrange
    const [eventId] = eventIds(1) as [string];
    const item = toOutboxItem(makeEvent({ eventId }), {
      name: 'users',
    });
    const dlq = new MemoryQueue({ name: 'tidings-relay-dlq' });
    await outboxItemDeadLetters(dlq).deadLetter(item as unknown as Record<string, unknown>, {
      reason: 'stuck',
      errorName: 'UnrelayableOutboxItem',
      eventId,
    });
    const [letter] = dlq.messages();
    receiving(receivedMessage(letter as NonNullable<typeof letter>));
    ddbMock.on(PutItemCommand).resolves({});
    sqsMock.on(DeleteMessageCommand).resolves({});

    // Act
    const report = await redriveRelayDeadLetters({
      sqs,
      dynamodb,
      queueUrl: RELAY_DLQ_URL,
      tableName: TABLE,
      dryRun: false,
      max: 10,
    });

    // Assert
    expect(report.counts.restaged).toBe(1);
    expect(ddbMock).toHaveReceivedCommandWith(PutItemCommand, {
      Item: marshall(item),
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('leaves an item still in the table untouched and counts it as already there', async () => {
    // Arrange: the item is there, and pending (the condition of putting it back fails too).
    const { letter } = await relayLetter(eventIds(1)[0] as string);
    receiving(receivedMessage(letter));
    ddbMock.on(PutItemCommand).rejects(conditionFailed());
    ddbMock.on(UpdateItemCommand).rejects(conditionFailed());
    sqsMock.on(DeleteMessageCommand).resolves({});

    // Act
    const report = await redriveRelayDeadLetters({
      sqs,
      dynamodb,
      queueUrl: RELAY_DLQ_URL,
      tableName: TABLE,
      dryRun: false,
      max: 10,
    });

    // Assert
    expect(report.counts['already-in-table']).toBe(1);
    expect(report.counts.restaged).toBe(0);
    expect(ddbMock).toHaveReceivedCommandTimes(PutItemCommand, 1);
  });

  it('puts an item kept set aside back in the pending index, without overwriting it, then deletes its letter', async () => {
    // Arrange: the item was dead-lettered and kept (e.g. its key is not its event's).
    const [eventId] = eventIds(1) as [string];
    const { letter } = await relayLetter(eventId);
    receiving(receivedMessage(letter));
    ddbMock.on(PutItemCommand).rejects(conditionFailed());
    ddbMock.on(UpdateItemCommand).resolves({});
    sqsMock.on(DeleteMessageCommand).resolves({});

    // Act
    const report = await redriveRelayDeadLetters({
      sqs,
      dynamodb,
      queueUrl: RELAY_DLQ_URL,
      tableName: TABLE,
      dryRun: false,
      max: 10,
    });

    // Assert
    expect(ddbMock).toHaveReceivedCommandWith(UpdateItemCommand, {
      TableName: TABLE,
      Key: { pk: { S: `OUTBOX#${eventId}` }, sk: { S: 'OUTBOX' } },
      UpdateExpression: 'SET #shard = :shard',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#shard)',
      ExpressionAttributeNames: { '#shard': 'pendingShard' },
      ExpressionAttributeValues: { ':shard': { S: pendingShardOf(eventId) } },
    });
    expect(report.entries).toEqual([
      expect.objectContaining({
        action: 'returned-to-pending',
        detail: expect.stringContaining('set aside; put back in the pending index'),
      }),
    ]);
    expect(sqsMock).toHaveReceivedCommandTimes(DeleteMessageCommand, 1);
  });

  it('puts the item of a letter that had to leave it out back in the pending index', async () => {
    // Arrange: the sweeper's letter for an item too large to hold, which it kept set aside.
    const [eventId] = eventIds(1) as [string];
    const letter = await omittedItemLetter(eventId);
    receiving(receivedMessage(letter));
    ddbMock.on(UpdateItemCommand).resolves({});
    sqsMock.on(DeleteMessageCommand).resolves({});
    const { out, io: cli } = io();

    // Act
    const code = await redriveCli(['--relay', '--queue', RELAY_DLQ_URL, '--table', TABLE], {
      clients: () => ({ sqs, dynamodb }),
      io: cli,
    });

    // Assert
    expect(code).toBe(0);
    expect(ddbMock).not.toHaveReceivedCommand(PutItemCommand);
    expect(ddbMock).toHaveReceivedCommandWith(UpdateItemCommand, {
      Key: { pk: { S: `OUTBOX#${eventId}` }, sk: { S: 'OUTBOX' } },
      ExpressionAttributeValues: { ':shard': { S: pendingShardOf(eventId) } },
    });
    expect(out.join('\n')).toContain(
      `returned-to-pending: put OUTBOX#${eventId}, kept in ${TABLE}`,
    );
    expect(out.join('\n')).toContain('Re-staged 0; 1 returned to pending;');
    expect(sqsMock).toHaveReceivedCommandTimes(DeleteMessageCommand, 1);
  });

  it('leaves such a letter on the queue when no set-aside item is under its key, and on a dry run', async () => {
    // Arrange: the item is gone (its TTL passed).
    const [eventId] = eventIds(1) as [string];
    const letter = await omittedItemLetter(eventId);
    ddbMock.on(UpdateItemCommand).rejects(conditionFailed());
    // Every receive returns the letter: each run below takes at most one.
    sqsMock.on(ReceiveMessageCommand).resolves({ Messages: [receivedMessage(letter)] });
    sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });

    // Act
    const dry = await redriveRelayDeadLetters({
      sqs,
      dynamodb,
      queueUrl: RELAY_DLQ_URL,
      tableName: TABLE,
      dryRun: true,
      max: 1,
    });
    const wet = await redriveRelayDeadLetters({
      sqs,
      dynamodb,
      queueUrl: RELAY_DLQ_URL,
      tableName: TABLE,
      dryRun: false,
      max: 1,
    });

    // Assert
    expect(dry.counts['would-return-to-pending']).toBe(1);
    expect(wet.entries).toEqual([
      expect.objectContaining({
        letter: 'image-omitted',
        action: 'not-restageable',
        detail: expect.stringContaining('holds no set-aside item under it'),
      }),
    ]);
    expect(ddbMock).toHaveReceivedCommandTimes(UpdateItemCommand, 1);
    expect(sqsMock).not.toHaveReceivedCommand(DeleteMessageCommand);
  });

  it('reports Lambda on-failure records as covered by the sweeper and leaves them on the queue', async () => {
    // Arrange
    const onFailure = receivedMessage({
      messageId: 'm-on-failure',
      body: lambdaOnFailureBody({ condition: 'RecordAgeExceeded', batchSize: 3 }),
      attributes: {},
    });
    receiving(onFailure);
    const { out, io: cli } = io();

    // Act
    const code = await redriveCli(['--relay', '--queue', RELAY_DLQ_URL, '--table', TABLE], {
      clients: () => ({ sqs, dynamodb }),
      io: cli,
    });

    // Assert
    expect(code).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('from lambda-on-failure');
    expect(text).toContain(
      'Lambda gave up on a stream batch (RecordAgeExceeded, function error Unhandled): 3 record(s) of shard shardId-00000001735689600000-0123abcd, sequence numbers 000000000000000000100 to 000000000000000000300',
    );
    expect(text).toContain('covered-by-sweeper');
    expect(text).toContain('1 covered by the sweeper');
    expect(ddbMock).not.toHaveReceivedCommand(PutItemCommand);
    expect(sqsMock).not.toHaveReceivedCommand(DeleteMessageCommand);
    expect(sqsMock).toHaveReceivedCommandWith(ChangeMessageVisibilityBatchCommand, {
      Entries: [{ Id: '0', ReceiptHandle: 'receipt-m-on-failure', VisibilityTimeout: 0 }],
    });
  });

  it('writes and deletes nothing on a dry run, and says what it would re-stage', async () => {
    // Arrange
    const { letter } = await relayLetter(eventIds(1)[0] as string);
    receiving(receivedMessage(letter));
    const { out, io: cli } = io();

    // Act
    const code = await redriveCli(
      ['--relay', '--queue', RELAY_DLQ_URL, '--table', TABLE, '--dry-run'],
      { clients: () => ({ sqs, dynamodb }), io: cli },
    );

    // Assert
    expect(code).toBe(0);
    expect(out.join('\n')).toContain('would-restage: would put OUTBOX#');
    expect(out.join('\n')).toContain('Dry run: would re-stage 1;');
    expect(ddbMock).not.toHaveReceivedCommand(PutItemCommand);
    expect(sqsMock).not.toHaveReceivedCommand(DeleteMessageCommand);
  });

  it('keeps the letter and exits 1 when the put fails, going on with the rest', async () => {
    // Arrange
    const [first, second] = eventIds(2) as [string, string];
    const a = await relayLetter(first);
    const b = await relayLetter(second);
    receiving(receivedMessage(a.letter), receivedMessage(b.letter));
    ddbMock
      .on(PutItemCommand)
      .rejectsOnce(
        Object.assign(new Error('not authorized'), {
          name: 'AccessDeniedException',
          $fault: 'client',
        }),
      )
      .resolves({});
    sqsMock.on(DeleteMessageCommand).resolves({});
    const { out, io: cli } = io();

    // Act
    const code = await redriveCli(['--relay', '--queue', RELAY_DLQ_URL, '--table', TABLE], {
      clients: () => ({ sqs, dynamodb }),
      io: cli,
    });

    // Assert
    expect(code).toBe(1);
    expect(out.join('\n')).toContain('AccessDeniedException: not authorized; left on the queue');
    expect(out.join('\n')).toContain('Re-staged 1;');
    expect(out.join('\n')).toContain('1 failed.');
    expect(sqsMock).toHaveReceivedCommandTimes(DeleteMessageCommand, 1);
    expect(sqsMock).toHaveReceivedCommandWith(ChangeMessageVisibilityBatchCommand, {
      Entries: [{ Id: '0', ReceiptHandle: `receipt-${a.letter.messageId}`, VisibilityTimeout: 0 }],
    });
  });

  it('does not re-stage a letter that is not an outbox item', async () => {
    // Arrange
    const letter = await consumerLetter();
    receiving(receivedMessage(letter));

    // Act
    const report = await redriveRelayDeadLetters({
      sqs,
      dynamodb,
      queueUrl: RELAY_DLQ_URL,
      tableName: TABLE,
      dryRun: false,
      max: 10,
    });

    // Assert
    expect(report.entries).toEqual([
      expect.objectContaining({ letter: 'unrecognised', action: 'not-restageable' }),
    ]);
    expect(ddbMock).not.toHaveReceivedCommand(PutItemCommand);
  });
});

describe('redrive command line', () => {
  it('exits 2 with the reason for bad arguments and makes no AWS call', async () => {
    // Arrange
    const { err, io: cli } = io();
    let built = false;

    // Act
    const code = await redriveCli(['--queue', 'https://example.com/not-a-queue'], {
      clients: () => {
        built = true;
        return { sqs, dynamodb };
      },
      io: cli,
    });

    // Assert
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('not an SQS queue URL: "https://example.com/not-a-queue"');
    expect(built).toBe(false);
  });

  it('prints the usage for --help', async () => {
    const { out, io: cli } = io();
    expect(await redriveCli(['--help'], { io: cli })).toBe(0);
    expect(out.join('\n')).toContain('Usage: tidings redrive --queue <dlq-url>');
  });
});
