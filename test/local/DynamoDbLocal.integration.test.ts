import { createServer, type Server, type Socket } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LOCAL_AWS_CONFIG,
  LocalServiceStartError,
  startDynamoDbLocal,
} from '../../lambdas/local/DynamoDbLocal.ts';
import { rejectionOf } from '../helpers/events.ts';

describe('startDynamoDbLocal', () => {
  let blocker: Server;
  let blockedPort: number;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    // Every interface, as DynamoDB Local binds them all; it accepts and never answers.
    blocker = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    blockedPort = (blocker.address() as { port: number }).port;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => blocker.close(resolve));
  });

  it('answers on its endpoint until stopped, and not after', async () => {
    const local = await startDynamoDbLocal();
    const client = new DynamoDBClient({
      ...LOCAL_AWS_CONFIG,
      endpoint: local.endpoint,
      maxAttempts: 1,
    });

    const before = await client.send(new ListTablesCommand({}));
    await local.stop();
    const after = await rejectionOf(client.send(new ListTablesCommand({})));

    expect(before.TableNames).toEqual([]);
    expect(local.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(String(after)).toMatch(/ECONNREFUSED|connect/i);
    client.destroy();
  });

  it('fails with the process output when the port is taken', async () => {
    const error = await rejectionOf(startDynamoDbLocal({ port: blockedPort }));

    expect(error).toBeInstanceOf(LocalServiceStartError);
    expect((error as LocalServiceStartError).reason).toMatch(/exited/);
    expect((error as LocalServiceStartError).output).toMatch(
      /Address already in use|BindException/i,
    );
  });
});
