import { afterEach, describe, expect, it } from 'vitest';
import {
  runNotificationsRecipe,
  type Signup,
  USERS_TABLE_DEFINITION,
} from '../../examples/recipes/notifications/recipe.ts';
import { notifications } from '../../examples/signup/notifications.ts';
import {
  createDynamoDbLocalPipeline,
  type LocalPipeline,
} from '../../lambdas/local/LocalPipeline.ts';
import { uniqueTableName, useLocalAws } from '../helpers/dynamodbLocal.ts';
import { onlyMailAt, uniqueEmailDomain } from '../helpers/e2e.ts';

const local = useLocalAws();
let pipeline: LocalPipeline | undefined;

afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

describe('the notifications recipe on DynamoDB Local and SES local', () => {
  it('commits two signups, sends their two welcome emails through SES local and rejects two', async () => {
    // Arrange: the recipe's own signups, at a domain of this test's (SES local's mailbox is
    // shared by the whole run, so only mail to this domain is counted).
    const domain = uniqueEmailDomain('recipe');
    const signups: Signup[] = [
      { email: `ada@${domain}`, name: 'Ada' },
      { email: `grace@${domain}`, name: 'Grace' },
      { email: `Ada@${domain.toUpperCase()}`, name: 'Ada again' },
      { email: 'not-an-email', name: 'Nobody' },
    ];
    pipeline = onlyMailAt(
      await createDynamoDbLocalPipeline({
        notifications,
        // The recipe writes users to its fixed USERS_TABLE; no other test of the run makes it.
        tables: [USERS_TABLE_DEFINITION],
        dynamoDbEndpoint: local().dynamoDbEndpoint,
        sesEndpoint: local().sesEndpoint,
        tableName: uniqueTableName('recipe'),
        ledgerTableName: uniqueTableName('recipe-ledger'),
      }),
      domain,
    );

    // Act
    const report = await runNotificationsRecipe(pipeline, signups);

    // Assert
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.committed).toEqual([`ada@${domain}`, `grace@${domain}`]);
    expect(report.emails.map((e) => e.to).sort()).toEqual([[`ada@${domain}`], [`grace@${domain}`]]);
    expect(report.emails.map((e) => e.subject)).toEqual([
      'Welcome to Tidings',
      'Welcome to Tidings',
    ]);
    expect(report.rejected.map((r) => r.reason.split(':')[0])).toEqual([
      'UserAlreadyExistsError',
      'InvalidRegistrationError',
    ]);
  });
});
