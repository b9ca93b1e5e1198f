import type { DynamoDBRecord } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { USERS_TABLE_DEFINITION } from '../../examples/recipes/notifications/recipe.ts';
import { InvalidRegistrationError, UserAlreadyExistsError } from '../../examples/signup/errors.ts';
import {
  notifications,
  USER_REGISTERED,
  UserEvents,
  welcomeEmail,
} from '../../examples/signup/notifications.ts';
import {
  createDynamoDbLocalPipeline,
  type DynamoDbLocalPipelineOptions,
  type LocalPipeline,
} from '../../lambdas/local/LocalPipeline.ts';
import { defineNotifications } from '../../lambdas/notifications/defineNotifications.ts';
import type { OutgoingMessage } from '../../lambdas/ports.ts';
import { uniqueTableName, useLocalAws } from '../helpers/dynamodbLocal.ts';
import {
  countByRecipient,
  emailsAtDomain,
  newWebhookSecret,
  planSignups,
  registerAll,
  type SignupOutcome,
  type SignupTables,
  uniqueEmailDomain,
} from '../helpers/e2e.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhookReceiver.ts';

// The transaction itself (both items commit; a taken email cancels both, the outbox item
// absent on a real read) is proven in test/examples/signup/registerUser.integration.test.ts.
// These tests run whole signups (the example's registerUser, writing a users table of the
// test's own and the pipeline's outbox table in one transaction) through DynamoDB Local's
// transactions and stream, the real relay handler (fed by StreamPoller), the mock queue, the
// real consumer handler with the DynamoDB ledger, and SES local, then read the mail back from
// SES local.

const local = useLocalAws();
const opened: { close(): Promise<void> }[] = [];

afterEach(async () => {
  for (const resource of opened.splice(0).reverse()) await resource.close();
});

/**
 * A pipeline of the signup example's module (unless `options` names another), with a users
 * table of its own beside the outbox table.
 */
async function openPipeline(
  options: Partial<DynamoDbLocalPipelineOptions> = {},
): Promise<LocalPipeline & SignupTables> {
  const usersTableName = uniqueTableName('e2e-users');
  const pipeline = await createDynamoDbLocalPipeline({
    notifications,
    dynamoDbEndpoint: local().dynamoDbEndpoint,
    sesEndpoint: local().sesEndpoint,
    tableName: uniqueTableName('e2e'),
    ledgerTableName: uniqueTableName('e2e-ledger'),
    tables: [{ ...USERS_TABLE_DEFINITION, TableName: usersTableName }],
    ...options,
  });
  opened.push(pipeline);
  return Object.assign(pipeline, { usersTableName });
}

function committed(outcomes: readonly SignupOutcome[]) {
  return outcomes.flatMap(({ signup, registered }) =>
    registered && signup.address ? [{ ...registered, address: signup.address, signup }] : [],
  );
}

function sequenceNumberOf(record: DynamoDBRecord): string {
  return record.dynamodb?.SequenceNumber ?? '';
}

describe('signups end to end on DynamoDB Local and SES local', () => {
  it('sends exactly one welcome email per committed signup of 200, and none for duplicates or invalid input', async () => {
    // Arrange
    const domain = uniqueEmailDomain('bulk');
    const pipeline = await openPipeline();
    const signups = planSignups({ domain, commits: 170, duplicates: 20, invalid: 10 });

    // Act
    const outcomes = await registerAll(pipeline, signups);
    const delivery = await pipeline.deliver({ maxRounds: 200 });
    const emails = emailsAtDomain(await pipeline.sentEmails(), domain);

    // Assert: the producer committed exactly the new users and refused the rest.
    expect(signups).toHaveLength(200);
    for (const { signup, registered, error } of outcomes) {
      if (signup.intent === 'commit') expect(registered, String(error)).toBeDefined();
      if (signup.intent === 'duplicate') expect(error).toBeInstanceOf(UserAlreadyExistsError);
      if (signup.intent === 'invalid') expect(error).toBeInstanceOf(InvalidRegistrationError);
    }
    const users = committed(outcomes);
    expect(users).toHaveLength(170);
    expect(delivery).toMatchObject({ relayed: 170, settled: true });
    expect(pipeline.deadLetters()).toEqual({ relay: [], consumer: [] });

    // Assert: SES local holds one welcome email per committed user, and nothing else here.
    const perRecipient = countByRecipient(emails);
    expect(emails).toHaveLength(170);
    expect([...perRecipient.keys()].sort()).toEqual(users.map((u) => u.address).sort());
    expect([...perRecipient.values()].every((count) => count === 1)).toBe(true);
    for (const { address, signup } of users) {
      const email = emails.find((e) => e.to.includes(address));
      expect(email?.subject).toBe('Welcome to Tidings');
      // The welcome email carries nothing the signup chose, its name included.
      expect(email?.body.startsWith('Hi,\n')).toBe(true);
      if (signup.name) expect(email?.body).not.toContain(signup.name);
    }
    expect(emails.some((e) => e.body.includes('Duplicate'))).toBe(false);
  });

  it('redelivers from the first failed sequence number when the relay fails part of a batch, losing and duplicating nothing', async () => {
    // Arrange: some entries fail on the queue more often than one relay invocation retries.
    const domain = uniqueEmailDomain('relayfault');
    const targets = new Set<string>();
    const attempts = new Map<string, number>();
    const enqueued = new Map<string, number>();
    const FAILED_ATTEMPTS = 4;
    const invocations: { sequenceNumbers: string[]; failed: string[] }[] = [];
    const pipeline = await openPipeline({
      queueFaults: {
        sendBatch: (message: OutgoingMessage) => {
          const attempt = (attempts.get(message.id) ?? 0) + 1;
          attempts.set(message.id, attempt);
          if (targets.has(message.id) && attempt <= FAILED_ATTEMPTS) {
            return { code: 'InternalError', message: 'injected', senderFault: false };
          }
          enqueued.set(message.id, (enqueued.get(message.id) ?? 0) + 1);
          return undefined;
        },
      },
      wrapRelayHandler: (handler) => async (event, context) => {
        const response = await handler(event, context);
        invocations.push({
          sequenceNumbers: event.Records.map(sequenceNumberOf),
          failed: response.batchItemFailures.map((f) => f.itemIdentifier),
        });
        return response;
      },
    });
    const outcomes = await registerAll(
      pipeline,
      planSignups({ domain, commits: 40, duplicates: 4, invalid: 2 }),
    );
    const users = committed(outcomes);
    for (const [i, user] of users.entries()) if (i % 8 === 3) targets.add(user.eventId);

    // Act
    const delivery = await pipeline.deliver({ maxRounds: 100 });
    const emails = emailsAtDomain(await pipeline.sentEmails(), domain);

    // Assert: the relay reported failures, and the next batch holding the lowest failed
    // record started with it (the poller checkpointed just before it).
    const failing = invocations.filter((i) => i.failed.length > 0);
    expect(failing.length).toBeGreaterThan(0);
    for (const failure of failing) {
      const lowest = failure.failed.reduce((a, b) => (BigInt(a) < BigInt(b) ? a : b));
      const retry = invocations
        .slice(invocations.indexOf(failure) + 1)
        .find((i) => i.sequenceNumbers.includes(lowest));
      expect(retry?.sequenceNumbers[0]).toBe(lowest);
    }
    for (const eventId of targets) expect(attempts.get(eventId)).toBe(FAILED_ATTEMPTS + 1);

    // Assert: every event reached the queue, some twice (the records after a failed one are
    // relayed again), yet each committed user got exactly one email: the ledger held.
    expect(users.every((u) => (enqueued.get(u.eventId) ?? 0) >= 1)).toBe(true);
    expect([...enqueued.values()].some((count) => count > 1)).toBe(true);
    expect(delivery.settled).toBe(true);
    expect(pipeline.deadLetters()).toEqual({ relay: [], consumer: [] });
    const perRecipient = countByRecipient(emails);
    expect(emails).toHaveLength(users.length);
    for (const { address } of users) expect(perRecipient.get(address)).toBe(1);
  });

  it('posts a Standard Webhooks-signed webhook the loopback receiver verifies, once per committed signup', async () => {
    // Arrange
    const domain = uniqueEmailDomain('webhook');
    const secret = newWebhookSecret();
    const receiver: WebhookReceiver = await startWebhookReceiver({ secret });
    opened.push({ close: () => receiver.stop() });
    // The example's events, each signup routed to its welcome email and a webhook.
    const withWebhook = defineNotifications({
      name: notifications.name,
      events: UserEvents,
      routes: {
        [USER_REGISTERED]: (event) => [
          ...welcomeEmail(event),
          {
            kind: 'webhook',
            url: `${receiver.url}/hooks/users`,
            payload: {
              type: event.eventType,
              eventId: event.eventId,
              userId: event.payload.userId,
              email: event.payload.email,
            },
          },
        ],
      },
    });
    const pipeline = await openPipeline({ notifications: withWebhook, webhookSecret: secret });

    // Act
    const outcomes = await registerAll(
      pipeline,
      planSignups({ domain, commits: 4, duplicates: 1, invalid: 2 }),
    );
    const delivery = await pipeline.deliver();
    const emails = emailsAtDomain(await pipeline.sentEmails(), domain);

    // Assert
    const users = committed(outcomes);
    expect(users).toHaveLength(4);
    expect(delivery.settled).toBe(true);
    expect(pipeline.deadLetters()).toEqual({ relay: [], consumer: [] });
    expect(receiver.requests).toHaveLength(4);
    for (const request of receiver.requests) {
      expect(request.verifyError).toBeUndefined();
      expect(request).toMatchObject({ method: 'POST', path: '/hooks/users', verified: true });
    }
    const received = receiver.requests.map((r) => ({
      id: r.headers['webhook-id'],
      body: JSON.parse(r.body) as unknown,
    }));
    expect(received).toEqual(
      expect.arrayContaining(
        users.map((u) => ({
          id: `${u.eventId}:1`,
          body: { type: USER_REGISTERED, eventId: u.eventId, userId: u.userId, email: u.address },
        })),
      ),
    );
    expect(emails).toHaveLength(4);
  });
});
