/**
 * `npm run local`: the welcome-email recipe end to end in one process.
 *
 * - default: everything in memory (outbox table, relay, mock SQS queue, recording senders);
 *   needs nothing beyond `npm install`.
 * - `--dynamodb-local` (or TIDINGS_LOCAL=dynamodb-local): DynamoDB Local with real
 *   transactions and streams, the real relay and consumer handlers, and SES v2 through SES
 *   local, whose web page lists the sent mail; `--keep-open` keeps the services up (and
 *   prints the page's address) until Ctrl+C. Needs Java 17+.
 *
 * Exits 0 only when every committed signup got exactly one welcome email and the rolled-back
 * ones got none.
 */
import {
  createDynamoDbLocalPipeline,
  createMemoryPipeline,
  type LocalPipeline,
} from '../../../lambdas/local/index.ts';
import { notifications } from '../../signup/notifications.ts';
import { runLocal, USERS_TABLE_DEFINITION } from './recipe.ts';

const args = new Set(process.argv.slice(2));
const onDynamoDbLocal =
  args.has('--dynamodb-local') || process.env.TIDINGS_LOCAL === 'dynamodb-local';
const keepOpen = args.has('--keep-open');

const print = (line: string) => process.stdout.write(`${line}\n`);

let pipeline: LocalPipeline | undefined;
try {
  if (onDynamoDbLocal) {
    print('Tidings local run on DynamoDB Local (transactions and streams) and SES local');
    print('Starting DynamoDB Local and SES local...');
    pipeline = await createDynamoDbLocalPipeline({
      notifications,
      fromAddress: 'welcome@tidings.local',
      tables: [USERS_TABLE_DEFINITION],
    });
  } else {
    print('Tidings local run, in memory: outbox table, relay, mock SQS queue, recording senders');
    print('(add --dynamodb-local to run it on DynamoDB Local and SES local)');
    pipeline = createMemoryPipeline({ notifications, fromAddress: 'welcome@tidings.local' });
  }
  print('');
  const exitCode = await runLocal(pipeline, print);
  if (pipeline.mailboxUrl) {
    // The services stop when the run ends (finally below), so the page's address is only
    // worth printing while they stay up.
    if (keepOpen) {
      print(`\nSent mail is listed at ${pipeline.mailboxUrl} (SES local's web page).`);
      print('Keeping the services up; press Ctrl+C to stop.');
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    } else {
      print('\nSES local, and its web page listing the sent mail, stop with this run; add');
      print('--keep-open to keep them up and look at the mail in a browser.');
    }
  }
  process.exitCode = exitCode;
} catch (error) {
  process.stderr.write(
    `local run failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
} finally {
  await pipeline?.close();
}
