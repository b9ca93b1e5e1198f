import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { sesLocalMailbox } from '../../lambdas/local/SesLocal.ts';

// `npm run local -- --dynamodb-local` as a user runs it: a process of its own that starts its
// own DynamoDB Local and SES local, not the test run's.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = 'examples/recipes/notifications/main.ts';
const RUN_TIMEOUT_MS = 120_000;

interface Run {
  readonly child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
}

const started: ChildProcess[] = [];

afterEach(() => {
  // A run that got stuck: stop its process group (it may have started Java), by its own id.
  for (const child of started.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(-child.pid, 'SIGKILL');
    }
  }
});

function run(command: string, args: readonly string[]): Run {
  const child = spawn(command, args, { cwd: ROOT, detached: true, stdio: 'pipe' });
  started.push(child);
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr?.resume();
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, stdout: () => out, exited };
}

/** Resolves once stdout contains `text`; rejects if the process exits first. */
async function waitForOutput(running: Run, text: string): Promise<void> {
  while (!running.stdout().includes(text)) {
    const exited = await Promise.race([
      running.exited.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 100)),
    ]);
    if (exited && !running.stdout().includes(text)) {
      throw new Error(`exited before printing ${JSON.stringify(text)}:\n${running.stdout()}`);
    }
  }
}

/** The recipe's welcome email line for `address`, as `npm run local` prints it. */
function welcomeLine(address: string): RegExp {
  return new RegExp(`^ {3}to ${address.replaceAll('.', '\\.')} +"Welcome to Tidings"$`, 'm');
}

describe('npm run local -- --dynamodb-local', () => {
  it(
    'exits 0 after one welcome email per committed signup, and points at --keep-open, not at a page it stopped',
    async () => {
      // Act
      const running = run('npm', ['run', 'local', '--', '--dynamodb-local']);
      const code = await running.exited;

      // Assert
      const out = running.stdout();
      expect(code, out).toBe(0);
      expect(out).toMatch(welcomeLine('ada@example.com'));
      expect(out).toMatch(welcomeLine('grace@example.com'));
      expect(out).toContain('4. Emails sent (2):');
      expect(out).toContain('5. Check passed: 2 committed signups, 2 welcome emails;');
      expect(out).toContain(
        'SES local, and its web page listing the sent mail, stop with this run; add\n--keep-open to keep them up and look at the mail in a browser.',
      );
      expect(out).not.toContain('http://127.0.0.1:');
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'with --keep-open prints the address of a page that is up and holds the emails, and exits 0 on Ctrl+C',
    async () => {
      // Arrange
      const running = run(process.execPath, [
        '--import',
        'tsx',
        MAIN,
        '--dynamodb-local',
        '--keep-open',
      ]);
      await waitForOutput(running, 'press Ctrl+C to stop.');
      const url =
        /^Sent mail is listed at (http:\/\/127\.0\.0\.1:\d+) \(SES local's web page\)\.$/m.exec(
          running.stdout(),
        )?.[1];
      if (!url) throw new Error(`no mailbox address in:\n${running.stdout()}`);

      // Act
      const page = await fetch(url);
      const emails = await sesLocalMailbox(url).fetchEmails();
      running.child.kill('SIGINT');
      const code = await running.exited;

      // Assert
      expect(page.status).toBe(200);
      expect(emails.map((e) => [e.destination.to, e.subject]).sort()).toEqual([
        [['ada@example.com'], 'Welcome to Tidings'],
        [['grace@example.com'], 'Welcome to Tidings'],
      ]);
      expect(running.stdout()).toMatch(welcomeLine('ada@example.com'));
      expect(running.stdout()).toMatch(welcomeLine('grace@example.com'));
      expect(code, running.stdout()).toBe(0);
      await expect(fetch(url)).rejects.toThrow();
    },
    RUN_TIMEOUT_MS,
  );
});
