import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, inject } from 'vitest';
import {
  type DynamoDbLocal,
  LOCAL_AWS_CONFIG,
  startDynamoDbLocal,
} from '../../lambdas/local/DynamoDbLocal.ts';
import { type SesLocal, startSesLocal } from '../../lambdas/local/SesLocal.ts';

/** Clients of the local services, made once per test file. */
export interface LocalAws {
  readonly dynamoDbEndpoint: string;
  readonly sesEndpoint: string;
  readonly dynamoDb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly ses: SESv2Client;
}

/**
 * Registers `beforeAll`/`afterAll` hooks giving the file clients of DynamoDB Local and SES
 * local. The endpoints come from the integration global setup (`inject`); when the file runs
 * without it (e.g. under a config that lacks the setup), the hooks start private instances
 * for the file instead, which is slower but still correct.
 *
 * @returns a getter, valid inside tests and later hooks.
 */
export function useLocalAws(): () => LocalAws {
  let local: LocalAws | undefined;
  const owned: { dynamoDb?: DynamoDbLocal; ses?: SesLocal } = {};
  beforeAll(async () => {
    let dynamoDbEndpoint = inject('dynamoDbEndpoint');
    let sesEndpoint = inject('sesEndpoint');
    if (!dynamoDbEndpoint) {
      owned.dynamoDb = await startDynamoDbLocal();
      dynamoDbEndpoint = owned.dynamoDb.endpoint;
    }
    if (!sesEndpoint) {
      owned.ses = await startSesLocal();
      sesEndpoint = owned.ses.endpoint;
    }
    const config = { ...LOCAL_AWS_CONFIG, endpoint: dynamoDbEndpoint };
    local = {
      dynamoDbEndpoint,
      sesEndpoint,
      dynamoDb: new DynamoDBClient(config),
      streams: new DynamoDBStreamsClient(config),
      ses: new SESv2Client({ ...LOCAL_AWS_CONFIG, endpoint: sesEndpoint }),
    };
  });
  afterAll(async () => {
    local?.dynamoDb.destroy();
    local?.streams.destroy();
    local?.ses.destroy();
    await Promise.all([owned.dynamoDb?.stop(), owned.ses?.stop()]);
  });
  return () => {
    if (!local)
      throw new Error('useLocalAws(): the local services are available inside tests only');
    return local;
  };
}

/** A table name no other test in the run uses, since all share one DynamoDB Local. */
export function uniqueTableName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
