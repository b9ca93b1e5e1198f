import {
  type AttributeValue,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDbLedger } from '../../lambdas/ledger/DynamoDbLedger.ts';
import { dynamoDbItemBytes, writeRequestUnits } from '../../lambdas/ledger/itemSize.ts';
import { EVENT_ID, T0 } from '../helpers/events.ts';

const client = new DynamoDBClient({ region: 'us-east-1' });
const ddb = mockClient(client);

afterEach(() => {
  ddb.reset();
});

describe('dynamoDbItemBytes', () => {
  it('counts attribute names and UTF-8 string bytes', () => {
    expect(dynamoDbItemBytes({ pk: { S: 'abc' }, é: { S: 'é' } })).toBe(2 + 3 + 2 + 2);
  });

  it('counts a number as one byte per two significant digits plus one', () => {
    expect(dynamoDbItemBytes({ n: { N: '1750000000000' } })).toBe(1 + 2 + 1);
    expect(dynamoDbItemBytes({ n: { N: '1750000000123' } })).toBe(1 + 7 + 1);
  });

  it('refuses attribute types it does not size', () => {
    expect(() => dynamoDbItemBytes({ l: { L: [] } })).toThrow(/"l"/);
  });
});

describe('writeRequestUnits', () => {
  it('bills one unit up to 1 KB and one more per started KB', () => {
    expect([1, 1024, 1025, 3000].map(writeRequestUnits)).toEqual([1, 1, 2, 3]);
  });
});

describe('ledger item size', () => {
  it('keeps the claimed and the completed item under 1 KB: one write unit per call', async () => {
    ddb.on(PutItemCommand).resolves({});
    ddb.on(UpdateItemCommand).resolves({});
    const ledger = new DynamoDbLedger({ tableName: 'ledger', client, clock: () => T0 + 123 });
    const id = `${EVENT_ID}:999`;
    // An SES v2 message id is about 60 characters; allow 200 for any provider.
    const providerMessageId = 'x'.repeat(200);

    await ledger.claim(id, T0 + 899_123);
    await ledger.complete(id, { providerMessageId });

    const claimed = ddb.commandCalls(PutItemCommand)[0]?.args[0].input.Item ?? {};
    const update = ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    const value = (name: string): AttributeValue => {
      const found = update?.ExpressionAttributeValues?.[name];
      if (!found) throw new Error(`the update sets no ${name}`);
      return found;
    };
    const { leaseUntil: _lease, ...kept } = claimed;
    const completed = {
      ...kept,
      status: value(':completed'),
      completedAt: value(':now'),
      expiresAt: value(':expiresAt'),
      providerMessageId: value(':providerMessageId'),
    };
    const sizes = [dynamoDbItemBytes(claimed), dynamoDbItemBytes(completed)];

    expect(sizes[0]).toBeLessThan(200);
    expect(sizes[1]).toBeLessThan(1024);
    // An UpdateItem is billed on the larger of the item before and after.
    expect(sizes.map(writeRequestUnits)).toEqual([1, 1]);
  });
});
