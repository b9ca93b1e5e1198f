import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLocalEvents } from '../../lambdas/local/localRun.ts';

const MODULE = join(import.meta.dirname, 'fixtures', 'billingNotifications.ts');
const dir = mkdtempSync(join(tmpdir(), 'tidings-local-run-ddb-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tidings local --dynamodb-local', () => {
  it('runs a team’s events through DynamoDB Local, its stream, the relay and SES local', async () => {
    // Arrange
    const file = join(dir, 'paid.json');
    writeFileSync(
      file,
      JSON.stringify({
        eventType: 'invoice.paid',
        payload: {
          invoiceId: 'inv-9',
          email: 'grace@example.com',
          hook: 'https://hooks.example.com/billing',
        },
      }),
    );
    const out: string[] = [];

    // Act: the command starts (and stops) its own DynamoDB Local and SES local.
    const code = await runLocalEvents(
      [MODULE, '--event', file, '--export', 'billing', '--dynamodb-local'],
      {
        out: (line) => out.push(line),
        err: (line) => out.push(line),
      },
    );

    // Assert
    const text = out.join('\n');
    expect(code).toBe(0);
    expect(text).toContain('(DynamoDB Local and SES local)');
    expect(text).toContain('2 notification(s) sent for 1 event(s):');
    expect(text).toContain('email to grace@example.com');
    expect(text).toContain('webhook POST https://hooks.example.com/billing');
  }, 120_000);
});
