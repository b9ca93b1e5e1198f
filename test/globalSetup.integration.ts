import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../lambdas/local/DynamoDbLocal.ts';
import { startSesLocal } from '../lambdas/local/SesLocal.ts';

declare module 'vitest' {
  /** What the integration global setup hands to tests through `inject`. */
  export interface ProvidedContext {
    /** `http://127.0.0.1:<port>` of the run's DynamoDB Local (one shared, in-memory database). */
    dynamoDbEndpoint: string;
    /** `http://127.0.0.1:<port>` of the run's SES v2 stand-in. */
    sesEndpoint: string;
  }
}

/**
 * Starts DynamoDB Local and SES local once for the whole integration run and provides their
 * endpoints to tests (`inject('dynamoDbEndpoint')`); the returned teardown stops both.
 * Tests share the services, so each creates its own uniquely named tables.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [dynamoDb, ses] = await Promise.all([startDynamoDbLocal(), startSesLocal()]);
  // One line per run, so start-up cost stays visible in CI logs.
  console.info(
    `local services: DynamoDB Local ${dynamoDb.endpoint} in ${dynamoDb.startupMs} ms, ` +
      `SES local ${ses.endpoint} in ${ses.startupMs} ms`,
  );
  project.provide('dynamoDbEndpoint', dynamoDb.endpoint);
  project.provide('sesEndpoint', ses.endpoint);
  return async () => {
    await Promise.all([dynamoDb.stop(), ses.stop()]);
  };
}
