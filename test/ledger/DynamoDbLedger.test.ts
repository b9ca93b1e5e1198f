import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  InternalServerError,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  ResourceNotFoundException,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDbLedger } from '../../lambdas/ledger/DynamoDbLedger.ts';
import {
  ClaimLostError,
  ClaimNotHeldError,
  CorruptLedgerRecordError,
  LedgerConfigError,
  LedgerStoreError,
} from '../../lambdas/ledger/errors.ts';
import { EVENT_ID, fakeClock, rejectionOf, T0 } from '../helpers/events.ts';

const TABLE = 'tidings-ledger';
const ID = `${EVENT_ID}:1`;
const LEASE = T0 + 30_000;
const TTL = 7 * 24 * 3600;
const client = new DynamoDBClient({ region: 'us-east-1' });
const ddb = mockClient(client);

afterEach(() => {
  ddb.reset();
});

/** A ledger on the mocked client whose claim tokens are `token-1`, `token-2`, ... */
function makeLedger(clock = fakeClock()) {
  let n = 0;
  return new DynamoDbLedger({
    tableName: TABLE,
    client,
    clock,
    newToken: () => `token-${++n}`,
  });
}

/** The refusal DynamoDB sends when a condition fails, with the stored item. */
function refused(item?: Record<string, AttributeValue>) {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: { httpStatusCode: 400 },
    ...(item ? { Item: item } : {}),
  });
}

function storedItem(status: string, owner: string, extra: Record<string, AttributeValue> = {}) {
  return {
    pk: { S: ID },
    status: { S: status },
    owner: { S: owner },
    claimedAt: { N: String(T0 - 1000) },
    expiresAt: { N: String(Math.floor(T0 / 1000) + TTL) },
    ...extra,
  };
}

describe('DynamoDbLedger', () => {
  describe('claim', () => {
    it('sends one conditional PutItem with the lease, owner token and TTL', async () => {
      ddb.on(PutItemCommand).resolves({});
      const ledger = makeLedger();

      const { outcome } = await ledger.claim(ID, LEASE);

      expect(outcome).toBe('claimed');
      expect(ddb).toHaveReceivedCommandTimes(PutItemCommand, 1);
      expect(ddb).toHaveReceivedCommandWith(PutItemCommand, {
        TableName: TABLE,
        Item: {
          pk: { S: ID },
          status: { S: 'in-progress' },
          owner: { S: 'token-1' },
          leaseUntil: { N: String(LEASE) },
          claimedAt: { N: String(T0) },
          expiresAt: { N: String(Math.floor(T0 / 1000) + TTL) },
        },
        ConditionExpression:
          'attribute_not_exists(pk) OR (#status = :inProgress AND #leaseUntil < :now)',
        ExpressionAttributeNames: { '#status': 'status', '#leaseUntil': 'leaseUntil' },
        ExpressionAttributeValues: {
          ':inProgress': { S: 'in-progress' },
          ':now': { N: String(T0) },
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        ReturnConsumedCapacity: 'TOTAL',
      });
    });

    it('answers completed, without a second request, when the refusal shows a completed item', async () => {
      ddb.on(PutItemCommand).rejects(refused(storedItem('completed', 'other')));
      const ledger = makeLedger();

      const { outcome } = await ledger.claim(ID, LEASE);

      expect(outcome).toBe('completed');
      expect(ddb.calls()).toHaveLength(1);
    });

    it('answers in-progress when the refusal shows another worker holding the lease', async () => {
      ddb
        .on(PutItemCommand)
        .rejects(refused(storedItem('in-progress', 'other', { leaseUntil: { N: String(LEASE) } })));
      const ledger = makeLedger();

      const { outcome } = await ledger.claim(ID, LEASE);

      expect(outcome).toBe('in-progress');
      await expect(ledger.release(ID)).rejects.toBeInstanceOf(ClaimNotHeldError);
    });

    it("reports the holder's lease from the refusal, without a second request", async () => {
      ddb
        .on(PutItemCommand)
        .rejects(refused(storedItem('in-progress', 'other', { leaseUntil: { N: String(LEASE) } })));
      const ledger = makeLedger();

      const answer = await ledger.claim(ID, T0 + 10_000);

      expect(answer).toEqual({ outcome: 'in-progress', leaseUntil: LEASE });
      expect(ddb.calls()).toHaveLength(1);
    });

    it('reports no lease when it claims, or the refusal shows a completed item', async () => {
      ddb
        .on(PutItemCommand)
        .resolvesOnce({})
        .rejectsOnce(refused(storedItem('completed', 'other')));
      const ledger = makeLedger();

      const answers = [await ledger.claim(ID, LEASE), await ledger.claim(`${EVENT_ID}:2`, LEASE)];

      expect(answers).toEqual([{ outcome: 'claimed' }, { outcome: 'completed' }]);
    });

    it('answers claimed when a retried request finds its own claim', async () => {
      ddb.on(PutItemCommand).rejects(refused(storedItem('in-progress', 'token-1')));
      const ledger = makeLedger();

      const { outcome } = await ledger.claim(ID, LEASE);

      expect(outcome).toBe('claimed');
    });

    it('fails permanently when a refusal carries no item', async () => {
      ddb.on(PutItemCommand).rejects(refused());
      const ledger = makeLedger();

      const error = await rejectionOf(ledger.claim(ID, LEASE));

      expect(error).toBeInstanceOf(LedgerStoreError);
      expect(error).toMatchObject({ permanent: true, reason: 'ConditionalCheckFailedWithoutItem' });
    });

    it('fails on a stored item with an unknown status', async () => {
      ddb.on(PutItemCommand).rejects(refused(storedItem('sent', 'other')));
      const ledger = makeLedger();

      await expect(ledger.claim(ID, LEASE)).rejects.toBeInstanceOf(CorruptLedgerRecordError);
    });
  });

  describe('complete', () => {
    it('sends one UpdateItem conditioned on this claim, with the provider message id', async () => {
      ddb.on(PutItemCommand).resolves({});
      ddb.on(UpdateItemCommand).resolves({});
      const clock = fakeClock();
      const ledger = makeLedger(clock);
      await ledger.claim(ID, LEASE);
      clock.advance(1200);

      await ledger.complete(ID, { providerMessageId: 'ses-0100' });

      expect(ddb).toHaveReceivedCommandTimes(UpdateItemCommand, 1);
      expect(ddb).toHaveReceivedCommandWith(UpdateItemCommand, {
        TableName: TABLE,
        Key: { pk: { S: ID } },
        UpdateExpression:
          'SET #status = :completed, completedAt = :now, #expiresAt = :expiresAt, providerMessageId = :providerMessageId REMOVE #leaseUntil',
        ConditionExpression: '#status = :inProgress AND #owner = :owner',
        ExpressionAttributeNames: {
          '#status': 'status',
          '#owner': 'owner',
          '#leaseUntil': 'leaseUntil',
          '#expiresAt': 'expiresAt',
        },
        ExpressionAttributeValues: {
          ':completed': { S: 'completed' },
          ':inProgress': { S: 'in-progress' },
          ':owner': { S: 'token-1' },
          ':now': { N: String(T0 + 1200) },
          ':expiresAt': { N: String(Math.floor((T0 + 1200) / 1000) + TTL) },
          ':providerMessageId': { S: 'ses-0100' },
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        ReturnConsumedCapacity: 'TOTAL',
      });
    });

    it('leaves the provider message id out when the sender reported none', async () => {
      ddb.on(PutItemCommand).resolves({});
      ddb.on(UpdateItemCommand).resolves({});
      const ledger = makeLedger();
      await ledger.claim(ID, LEASE);

      await ledger.complete(ID, {});

      const input = ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
      expect(input?.UpdateExpression).not.toContain('providerMessageId');
      expect(input?.ExpressionAttributeValues).not.toHaveProperty(':providerMessageId');
    });

    it('throws ClaimLostError with the current record when another worker took the claim over', async () => {
      ddb.on(PutItemCommand).resolves({});
      ddb
        .on(UpdateItemCommand)
        .rejects(refused(storedItem('in-progress', 'token-of-b', { leaseUntil: { N: '1' } })));
      const ledger = makeLedger();
      await ledger.claim(ID, LEASE);

      const error = await rejectionOf(ledger.complete(ID, {}));

      expect(error).toBeInstanceOf(ClaimLostError);
      expect(error).toMatchObject({
        permanent: true,
        current: { status: 'in-progress', owner: 'token-of-b' },
      });
    });

    it('throws ClaimLostError when the record is gone', async () => {
      ddb.on(PutItemCommand).resolves({});
      ddb.on(UpdateItemCommand).rejects(refused());
      const ledger = makeLedger();
      await ledger.claim(ID, LEASE);

      const error = await rejectionOf(ledger.complete(ID, {}));

      expect(error).toBeInstanceOf(ClaimLostError);
      expect(error).toMatchObject({ current: undefined });
    });

    it('succeeds when a retried request finds its own completion', async () => {
      ddb.on(PutItemCommand).resolves({});
      ddb.on(UpdateItemCommand).rejects(refused(storedItem('completed', 'token-1')));
      const ledger = makeLedger();
      await ledger.claim(ID, LEASE);

      await expect(ledger.complete(ID, {})).resolves.toBeUndefined();
    });

    it('refuses, without a request, a notification this instance did not claim', async () => {
      const ledger = makeLedger();

      await expect(ledger.complete(ID, {})).rejects.toBeInstanceOf(ClaimNotHeldError);
      expect(ddb.calls()).toHaveLength(0);
    });

    it('keeps the claim after a transient failure, so the worker can still release it', async () => {
      ddb.on(PutItemCommand).resolves({});
      ddb
        .on(UpdateItemCommand)
        .rejects(
          new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }),
        );
      ddb.on(DeleteItemCommand).resolves({});
      const ledger = makeLedger();
      await ledger.claim(ID, LEASE);
      await ledger.complete(ID, {}).catch(() => {});

      await ledger.release(ID);

      expect(ddb).toHaveReceivedCommandWith(DeleteItemCommand, {
        ExpressionAttributeValues: {
          ':inProgress': { S: 'in-progress' },
          ':owner': { S: 'token-1' },
        },
      });
    });

    it('completes on a repeat after a transient failure, under the same owner token', async () => {
      ddb.on(PutItemCommand).resolves({});
      ddb
        .on(UpdateItemCommand)
        .rejectsOnce(
          new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }),
        )
        .resolves({});
      const ledger = makeLedger();
      await ledger.claim(ID, LEASE);
      await ledger.complete(ID, {}).catch(() => {});

      await expect(ledger.complete(ID, {})).resolves.toBeUndefined();

      const owners = ddb
        .commandCalls(UpdateItemCommand)
        .map((call) => call.args[0].input.ExpressionAttributeValues?.[':owner']);
      expect(owners).toEqual([{ S: 'token-1' }, { S: 'token-1' }]);
    });
  });

  describe('release', () => {
    it('sends one DeleteItem conditioned on this claim', async () => {
      ddb.on(PutItemCommand).resolves({});
      ddb.on(DeleteItemCommand).resolves({});
      const ledger = makeLedger();
      await ledger.claim(ID, LEASE);

      await ledger.release(ID);

      expect(ddb).toHaveReceivedCommandTimes(DeleteItemCommand, 1);
      expect(ddb).toHaveReceivedCommandWith(DeleteItemCommand, {
        TableName: TABLE,
        Key: { pk: { S: ID } },
        ConditionExpression: '#status = :inProgress AND #owner = :owner',
        ExpressionAttributeNames: { '#status': 'status', '#owner': 'owner' },
        ExpressionAttributeValues: {
          ':inProgress': { S: 'in-progress' },
          ':owner': { S: 'token-1' },
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        ReturnConsumedCapacity: 'TOTAL',
      });
    });

    it('succeeds when the record is already gone', async () => {
      ddb.on(PutItemCommand).resolves({});
      ddb.on(DeleteItemCommand).rejects(refused());
      const ledger = makeLedger();
      await ledger.claim(ID, LEASE);

      await expect(ledger.release(ID)).resolves.toBeUndefined();
    });

    it('throws ClaimLostError and leaves the record when another worker holds it', async () => {
      ddb.on(PutItemCommand).resolves({});
      ddb.on(DeleteItemCommand).rejects(refused(storedItem('completed', 'token-of-b')));
      const ledger = makeLedger();
      await ledger.claim(ID, LEASE);

      const error = await rejectionOf(ledger.release(ID));

      expect(error).toBeInstanceOf(ClaimLostError);
      expect(error).toMatchObject({ current: { status: 'completed', owner: 'token-of-b' } });
    });

    it('forgets the claim once released', async () => {
      ddb.on(PutItemCommand).resolves({});
      ddb.on(DeleteItemCommand).resolves({});
      const ledger = makeLedger();
      await ledger.claim(ID, LEASE);
      await ledger.release(ID);

      await expect(ledger.release(ID)).rejects.toBeInstanceOf(ClaimNotHeldError);
    });
  });

  describe('errors', () => {
    it.each([
      ['throttling', new ProvisionedThroughputExceededException({ message: 'x', $metadata: {} })],
      ['a 5xx', new InternalServerError({ message: 'x', $metadata: { httpStatusCode: 500 } })],
      ['a network error', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ])('maps %s to a transient LedgerStoreError with the original as cause', async (_, cause) => {
      ddb.on(PutItemCommand).rejects(cause);
      const ledger = makeLedger();

      const error = await rejectionOf(ledger.claim(ID, LEASE));

      expect(error).toBeInstanceOf(LedgerStoreError);
      expect(error).toMatchObject({ permanent: false, operation: 'claim', notificationId: ID });
      expect((error as Error).cause).toBe(cause);
    });

    it.each([
      [
        'a validation error',
        Object.assign(new Error('One or more parameter values were invalid'), {
          name: 'ValidationException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        }),
      ],
      ['a missing table', new ResourceNotFoundException({ message: 'x', $metadata: {} })],
    ])('maps %s to a permanent LedgerStoreError', async (_, cause) => {
      ddb.on(PutItemCommand).rejects(cause);
      const ledger = makeLedger();

      const error = await rejectionOf(ledger.claim(ID, LEASE));

      expect(error).toBeInstanceOf(LedgerStoreError);
      expect(error).toMatchObject({ permanent: true, reason: cause.name });
      expect((error as Error).cause).toBe(cause);
    });
  });

  describe('stats', () => {
    it('counts one call per operation and the write units DynamoDB reported', async () => {
      ddb.on(PutItemCommand).resolves({ ConsumedCapacity: { TableName: TABLE, CapacityUnits: 1 } });
      ddb.on(UpdateItemCommand).resolves({
        ConsumedCapacity: { TableName: TABLE, CapacityUnits: 1, WriteCapacityUnits: 1 },
      });
      const ledger = makeLedger();

      await ledger.claim(ID, LEASE);
      await ledger.complete(ID, {});

      expect(ledger.stats()).toEqual({
        calls: { claim: 1, complete: 1, release: 0 },
        claimOutcomes: { claimed: 1, completed: 0, 'in-progress': 0 },
        errors: 0,
        writeUnits: 2,
      });
    });

    it('counts a refused claim as one billed write unit', async () => {
      ddb.on(PutItemCommand).rejects(refused(storedItem('completed', 'other')));
      const ledger = makeLedger();

      await ledger.claim(ID, LEASE);

      expect(ledger.stats().writeUnits).toBe(1);
    });
  });

  describe('configuration', () => {
    it.each([[''], ['ab'], ['bad name!']])('rejects the table name %j', (tableName) => {
      expect(() => new DynamoDbLedger({ tableName, client })).toThrow(LedgerConfigError);
    });

    it('reads the table name from TIDINGS_LEDGER_TABLE_NAME', () => {
      const ledger = DynamoDbLedger.fromEnv({ client }, { TIDINGS_LEDGER_TABLE_NAME: TABLE });

      expect(ledger.tableName).toBe(TABLE);
    });

    it('names the variable when TIDINGS_LEDGER_TABLE_NAME is unset', () => {
      expect(() => DynamoDbLedger.fromEnv({ client }, {})).toThrow(/TIDINGS_LEDGER_TABLE_NAME/);
    });

    it('writes the configured TTL', async () => {
      ddb.on(PutItemCommand).resolves({});
      const ledger = new DynamoDbLedger({
        tableName: TABLE,
        client,
        clock: () => T0,
        ttlSeconds: 14 * 86_400,
      });

      await ledger.claim(ID, LEASE);

      expect(ddb).toHaveReceivedCommandWith(PutItemCommand, {
        Item: expect.objectContaining({
          expiresAt: { N: String(Math.floor(T0 / 1000) + 14 * 86_400) },
        }),
      });
    });
  });
});
