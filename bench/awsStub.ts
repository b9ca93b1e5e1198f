import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback HTTP endpoint that answers AWS calls as AWS does on success. */
export interface AwsStub {
  /** For `AWS_ENDPOINT_URL`, which every SDK v3 client reads. */
  readonly url: string;
  /** Calls answered, by `service.Operation` (`DynamoDB.PutItem`, `SESv2.SendEmail`). */
  readonly calls: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

/** How the stub answers each operation a consumer's first email makes; anything else is a 400. */
function answer(request: IncomingMessage): { operation: string; type: string; body: string } {
  const target = String(request.headers['x-amz-target'] ?? '');
  const json10 = 'application/x-amz-json-1.0';
  const dynamoDb = /^DynamoDB_20120810\.(PutItem|UpdateItem|DeleteItem)$/.exec(target);
  if (dynamoDb) return { operation: `DynamoDB.${dynamoDb[1]}`, type: json10, body: '{}' };
  const sqs = /^AmazonSQS\.(SendMessageBatch|ChangeMessageVisibility)$/.exec(target);
  if (sqs) {
    const body = sqs[1] === 'SendMessageBatch' ? '{"Successful":[],"Failed":[]}' : '{}';
    return { operation: `SQS.${sqs[1]}`, type: json10, body };
  }
  if (request.method === 'POST' && request.url?.startsWith('/v2/email/outbound-emails')) {
    return {
      operation: 'SESv2.SendEmail',
      type: 'application/json',
      body: '{"MessageId":"bench"}',
    };
  }
  return {
    operation: `unexpected ${request.method} ${request.url} ${target}`,
    type: 'application/json',
    body: JSON.stringify({ __type: 'ValidationException', message: 'not answered by the stub' }),
  };
}

/**
 * Starts the stub on a free loopback port. The cold-start benchmark points a fresh process at
 * it to time a consumer through its first email, network round trips taken out.
 */
export async function startAwsStub(): Promise<AwsStub> {
  const calls = new Map<string, number>();
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    request.on('end', () => {
      const { operation, type, body } = answer(request);
      calls.set(operation, (calls.get(operation) ?? 0) + 1);
      response.writeHead(operation.startsWith('unexpected') ? 400 : 200, {
        'content-type': type,
        'content-length': Buffer.byteLength(body),
        'x-amzn-requestid': 'bench',
      });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
