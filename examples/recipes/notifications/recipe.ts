import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { describeError } from '../../../lambdas/index.ts';
import type { LocalPipeline, SentEmail } from '../../../lambdas/local/index.ts';
import { registerUser } from '../../signup/registerUser.ts';

/** The example's users table on a local run: its own table, beside the outbox table. */
export const USERS_TABLE = 'users-local';

/** The users table as DynamoDB Local creates it (the memory store needs no definition). */
export const USERS_TABLE_DEFINITION: CreateTableCommandInput = {
  TableName: USERS_TABLE,
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
  ],
  BillingMode: 'PAY_PER_REQUEST',
};

/** One signup the recipe tries. */
export interface Signup {
  readonly email: string;
  readonly name?: string;
}

/** The seed's welcome-email recipe: two new users, one taken email, one invalid address. */
export const DEFAULT_SIGNUPS: readonly Signup[] = [
  { email: 'ada@example.com', name: 'Ada' },
  { email: 'grace@example.com', name: 'Grace' },
  { email: 'Ada@Example.com', name: 'Ada again' },
  { email: 'not-an-email', name: 'Nobody' },
];

/** What the recipe saw, and whether the promise held. */
export interface RecipeReport {
  readonly committed: readonly string[];
  readonly rejected: readonly { readonly email: string; readonly reason: string }[];
  readonly emails: readonly SentEmail[];
  /** Each committed signup got exactly one welcome email, and nothing else was sent. */
  readonly ok: boolean;
  readonly problems: readonly string[];
}

/**
 * Registers the users, relays, consumes, and checks the promise: each committed signup gets
 * exactly one welcome email, and a signup whose transaction rolled back gets none.
 */
export async function runNotificationsRecipe(
  pipeline: LocalPipeline,
  signups: readonly Signup[] = DEFAULT_SIGNUPS,
  print: (line: string) => void = () => {},
): Promise<RecipeReport> {
  print(
    '1. Signups: each is one transaction writing the user and an email claim (users table) and the outbox event (outbox table)',
  );
  const committed: string[] = [];
  const rejected: { email: string; reason: string }[] = [];
  for (const signup of signups) {
    try {
      const { userId, eventId } = await registerUser(signup, {
        writer: pipeline.writer,
        tableName: USERS_TABLE,
        outboxTableName: pipeline.outboxTableName,
      });
      committed.push(signup.email.trim().toLowerCase());
      print(`   committed    ${signup.email.padEnd(20)} user ${userId}, event ${eventId}`);
    } catch (error) {
      rejected.push({ email: signup.email, reason: describeError(error) });
      print(`   rolled back  ${signup.email.padEnd(20)} ${describeError(error)}`);
    }
  }

  const delivery = await pipeline.deliver();
  print(`2. Relay: ${delivery.relayed} committed events moved from the outbox to the queue`);
  print(`3. Consumer: ${delivery.consumed} messages routed to notifications and sent`);

  const emails = await pipeline.sentEmails();
  print(`4. Emails sent (${emails.length}):`);
  for (const email of emails) {
    print(`   to ${email.to.join(', ').padEnd(20)} "${email.subject}"`);
    for (const line of email.body.trim().split('\n')) print(`      | ${line}`);
  }
  const { relay, consumer } = pipeline.deadLetters();
  for (const letter of [...relay, ...consumer]) {
    print(`   dead-lettered: ${letter.reason}`);
  }

  const problems: string[] = [];
  for (const address of committed) {
    const count = emails.filter((e) => e.to.includes(address)).length;
    if (count !== 1) problems.push(`${address} committed but got ${count} welcome emails`);
  }
  for (const { email } of rejected) {
    const address = email.trim().toLowerCase();
    if (committed.includes(address)) continue;
    if (emails.some((e) => e.to.includes(address)))
      problems.push(`${email} was rejected but got an email`);
  }
  if (emails.length !== committed.length) {
    problems.push(`${emails.length} emails sent for ${committed.length} committed signups`);
  }
  if (!delivery.settled) problems.push('the queue did not drain');
  const ok = problems.length === 0;
  print(
    ok
      ? `5. Check passed: ${committed.length} committed signups, ${committed.length} welcome emails; ${rejected.length} rolled back or rejected, none sent.`
      : `5. Check FAILED:\n${problems.map((p) => `   - ${p}`).join('\n')}`,
  );
  return { committed, rejected, emails, ok, problems };
}

/**
 * `npm run local`'s verdict: runs the recipe's default signups on `pipeline`, printing each
 * step, and returns the process exit code, 0 only when every committed signup got exactly one
 * welcome email and the rolled-back ones got none, 1 otherwise.
 */
export async function runLocal(
  pipeline: LocalPipeline,
  print: (line: string) => void,
): Promise<number> {
  const report = await runNotificationsRecipe(pipeline, DEFAULT_SIGNUPS, print);
  return report.ok ? 0 : 1;
}
