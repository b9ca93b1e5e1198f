import { createHash, randomUUID } from 'node:crypto';
import { type AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { type SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { md5OfMessageAttributes } from '../lambdas/local/SqsEventPump.ts';

/** Where a call was made from: the hop of the pipeline that owns the client. */
export type CallRole = 'producer' | 'relay' | 'consumer' | 'ledger' | 'sender';

/** Options of `createMockedAws`. */
export interface MockedAwsOptions {
  /** Added to every mocked call, to show what batching and concurrency buy. @default 0 */
  readonly latencyMs?: number;
  /**
   * Where calls are answered. `build`: inside the client's middleware stack, after the SDK
   * has resolved the endpoint and serialized the request, so its per-call work is measured
   * too (and SQS's digest checks run on the answers). `send`: the client's `send` itself is
   * replaced, so only Tidings' own code is measured. @default 'build'
   */
  readonly answerAt?: 'build' | 'send';
}

/** Real SDK clients, one set per pipeline role, answered in memory and counted. */
export interface MockedAws {
  readonly region: 'us-east-1';
  readonly producerDocument: DynamoDBDocumentClient;
  readonly relaySqs: SQSClient;
  readonly relayDocument: DynamoDBDocumentClient;
  readonly consumerSqs: SQSClient;
  readonly ledgerDynamoDb: DynamoDBClient;
  readonly ses: SESv2Client;
  readonly sns: SNSClient;
  /** Entries of every `SendMessageBatch` the relay made, with the message id SQS gave each. */
  relayedMessages(): RelayedMessage[];
  /** The items of every `TransactWriteItems` the producer made, in call order. */
  transactions(): Record<string, unknown>[][];
  /** Calls per role and API operation so far, e.g. `{ relay: { SendMessageBatch: 1 } }`. */
  calls(): CallCounts;
  /** Forgets recorded calls (the answers stay configured). */
  resetHistory(): void;
  /** Releases the clients. */
  restore(): void;
}

/** A message the relay sent, as the consumer will receive it. */
export interface RelayedMessage {
  readonly messageId: string;
  readonly entry: SendMessageBatchRequestEntry;
  readonly queueUrl: string;
}

/** Calls per role, per API operation. */
export type CallCounts = Record<CallRole, Record<string, number>>;

/** The document client's command names, as the DynamoDB API operations they call. */
const DOCUMENT_OPERATIONS: Readonly<Record<string, string>> = {
  TransactWrite: 'TransactWriteItems',
  BatchWrite: 'BatchWriteItem',
  BatchGet: 'BatchGetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  Get: 'GetItem',
  Query: 'Query',
};

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };

/** A canned answer per API operation; an operation without one is refused. */
type Answers = Readonly<Record<string, (input: Record<string, unknown>) => object>>;

/** The middleware stack of any SDK v3 client (the clients' stacks differ only in types). */
interface Stubbable {
  readonly middlewareStack: {
    add(
      middleware: (
        next: unknown,
        context: { commandName?: string },
      ) => (args: { input: Record<string, unknown> }) => Promise<unknown>,
      options: { step: 'build'; name: string; priority: 'high' },
    ): void;
  };
}

/**
 * Real AWS SDK v3 clients, one set per pipeline role, answered in memory by a middleware in
 * each client's `build` step: the kit's code and the SDK's own command handling and request
 * serialization run as on AWS, then the middleware counts the call (per role and API
 * operation, as the client names it) and returns what AWS would say on success instead of
 * signing and sending the request. Every `SendMessageBatch` entry is accepted with a fresh
 * message id, ledger writes and SES and SNS sends succeed.
 *
 * A middleware rather than aws-sdk-client-mock: its sinon stubs record and match every call,
 * which took a third of the consumer's time in the throughput runs.
 */
export function createMockedAws(options: MockedAwsOptions = {}): MockedAws {
  const latency = options.latencyMs ?? 0;
  const config = { region: 'us-east-1', credentials: CREDENTIALS } as const;
  const counts: CallCounts = { producer: {}, relay: {}, consumer: {}, ledger: {}, sender: {} };
  const relayed: RelayedMessage[] = [];
  const transactions: Record<string, unknown>[][] = [];
  const stubs: { restore(): void }[] = [];

  const answerAt = options.answerAt ?? 'build';
  const answerFor = async (role: CallRole, operation: string, input: Record<string, unknown>) => {
    counts[role][operation] = (counts[role][operation] ?? 0) + 1;
    const answer = answers(role)[operation];
    if (!answer) throw new TypeError(`the benchmark has no answer for ${role} ${operation}`);
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    return { $metadata: { httpStatusCode: 200 }, ...answer(input) };
  };
  const answersByRole = new Map<CallRole, Answers>();
  const answers = (role: CallRole): Answers => answersByRole.get(role) ?? {};

  const stub = <C extends object>(
    client: C,
    role: CallRole,
    roleAnswers: Answers,
    document = false,
  ): C => {
    answersByRole.set(role, { ...answers(role), ...roleAnswers });
    stubs.push({ restore: () => (client as unknown as { destroy?: () => void }).destroy?.() });
    if (answerAt === 'send') {
      (
        client as unknown as {
          send: (command: { input: Record<string, unknown> }) => Promise<unknown>;
        }
      ).send = (command) => {
        const name = command.constructor.name.replace(/Command$/, '');
        return answerFor(
          role,
          document ? (DOCUMENT_OPERATIONS[name] ?? name) : name,
          command.input,
        );
      };
      return client;
    }
    if (document) return client; // answered in the wrapped client's stack, which it shares
    (client as unknown as Stubbable).middlewareStack.add(
      (_next, context) => async (args) => ({
        output: await answerFor(
          role,
          (context.commandName ?? 'Unknown').replace(/Command$/, ''),
          args.input,
        ),
        response: {},
      }),
      { step: 'build', name: 'tidingsBenchAnswer', priority: 'high' },
    );
    return client;
  };

  const sendBatch =
    (record: boolean) =>
    (input: Record<string, unknown>): object => {
      const entries = (input.Entries ?? []) as SendMessageBatchRequestEntry[];
      const queueUrl = String(input.QueueUrl ?? '');
      return {
        Successful: entries.map((entry) => {
          const messageId = randomUUID();
          if (record) relayed.push({ messageId, entry, queueUrl });
          // The SDK checks these digests on the answer, as it would on SQS's.
          const attributes: Record<string, string> = {};
          for (const [name, value] of Object.entries(entry.MessageAttributes ?? {})) {
            if (value.StringValue !== undefined) attributes[name] = value.StringValue;
          }
          return {
            Id: entry.Id,
            MessageId: messageId,
            MD5OfMessageBody: md5(entry.MessageBody ?? ''),
            ...(Object.keys(attributes).length > 0
              ? { MD5OfMessageAttributes: md5OfMessageAttributes(attributes) }
              : {}),
          };
        }),
        Failed: [],
      };
    };
  const written = () => ({ ConsumedCapacity: { CapacityUnits: 1, WriteCapacityUnits: 1 } });

  const document = (role: CallRole, roleAnswers: Answers, removeUndefinedValues = false) =>
    stub(
      DynamoDBDocumentClient.from(stub(new DynamoDBClient(config), role, roleAnswers), {
        marshallOptions: { removeUndefinedValues },
      }),
      role,
      {},
      true,
    );

  const producerDocument = document(
    'producer',
    {
      TransactWriteItems: (input) => {
        const items = (input.TransactItems ?? []) as { Put?: { Item?: Record<string, unknown> } }[];
        transactions.push(
          items.flatMap((item) => {
            const put = item.Put?.Item;
            if (!put) return [];
            // Marshalled when answered in the stack, the document form when `send` is replaced.
            return [answerAt === 'build' ? unmarshall(put as Record<string, AttributeValue>) : put];
          }),
        );
        return {};
      },
    },
    true,
  );
  const relaySqs = stub(new SQSClient(config), 'relay', {
    SendMessageBatch: sendBatch(true),
    SendMessage: (input) => ({
      MessageId: randomUUID(),
      MD5OfMessageBody: md5(String(input.MessageBody ?? '')),
      MD5OfMessageAttributes: md5OfMessageAttributes(
        Object.fromEntries(
          Object.entries(
            (input.MessageAttributes ?? {}) as Record<string, { StringValue?: string }>,
          ).map(([name, value]) => [name, value.StringValue ?? '']),
        ),
      ),
    }),
  });
  const relayDocument = document('relay', {
    BatchWriteItem: () => ({ UnprocessedItems: {} }),
    DeleteItem: () => ({}),
  });
  const consumerSqs = stub(new SQSClient(config), 'consumer', {
    SendMessageBatch: sendBatch(false),
    ChangeMessageVisibility: () => ({}),
  });
  const ledgerDynamoDb = stub(new DynamoDBClient(config), 'ledger', {
    PutItem: written,
    UpdateItem: written,
    DeleteItem: written,
  });
  const ses = stub(new SESv2Client(config), 'sender', {
    SendEmail: () => ({ MessageId: `ses-${randomUUID()}` }),
  });
  const sns = stub(new SNSClient(config), 'sender', {
    Publish: () => ({ MessageId: randomUUID() }),
  });

  return {
    region: 'us-east-1',
    producerDocument,
    relaySqs,
    relayDocument,
    consumerSqs,
    ledgerDynamoDb,
    ses,
    sns,
    relayedMessages: () => [...relayed],
    transactions: () => transactions.map((items) => [...items]),
    calls: () =>
      Object.fromEntries(
        Object.entries(counts).map(([role, operations]) => [role, { ...operations }]),
      ) as CallCounts,
    resetHistory() {
      for (const operations of Object.values(counts)) {
        for (const name of Object.keys(operations)) delete operations[name];
      }
      relayed.length = 0;
      transactions.length = 0;
    },
    restore() {
      for (const client of stubs) client.restore();
    },
  };
}

/** Total calls in `counts`, over every role and operation. */
export function totalCalls(counts: CallCounts): number {
  let total = 0;
  for (const operations of Object.values(counts)) {
    for (const count of Object.values(operations)) total += count;
  }
  return total;
}
