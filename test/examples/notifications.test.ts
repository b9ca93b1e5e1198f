import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runLocal, runNotificationsRecipe } from '../../examples/recipes/notifications/recipe.ts';
import { welcomeEmail } from '../../lambdas/app/router.ts';
import { USER_REGISTERED, type UserRegistered } from '../../lambdas/app/userEvents.ts';
import type { IntegrationEvent } from '../../lambdas/events/types.ts';
import { createMemoryPipeline, type LocalPipeline } from '../../lambdas/local/LocalPipeline.ts';
import { NotificationRouter } from '../../lambdas/notifications/NotificationRouter.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** The in-memory pipeline with its sent mail altered as `alter` says. */
function withSentEmails(
  pipeline: LocalPipeline,
  alter: (emails: Awaited<ReturnType<LocalPipeline['sentEmails']>>) => typeof emails,
): LocalPipeline {
  return { ...pipeline, sentEmails: async () => alter(await pipeline.sentEmails()) };
}

const extraEmail = (to: string) => ({ to: [to], subject: 'Welcome to Tidings', body: 'Hi again' });

describe('the notifications recipe', () => {
  it('reports two committed signups with one welcome email each and two rejections, in memory', async () => {
    // Act
    const report = await runNotificationsRecipe(createMemoryPipeline());

    // Assert
    expect(report.ok).toBe(true);
    expect(report.problems).toEqual([]);
    expect(report.committed).toEqual(['ada@example.com', 'grace@example.com']);
    expect(report.emails.map((e) => e.to)).toEqual([['ada@example.com'], ['grace@example.com']]);
    expect(report.emails.every((e) => e.subject === 'Welcome to Tidings')).toBe(true);
    expect(report.emails[0]?.body).toContain('Hi Ada,');
    expect(report.emails[1]?.body).toContain('Hi Grace,');
    expect(report.rejected).toEqual([
      { email: 'Ada@Example.com', reason: expect.stringMatching(/^UserAlreadyExistsError: /) },
      { email: 'not-an-email', reason: expect.stringMatching(/^InvalidRegistrationError: /) },
    ]);
  });

  it('fails the check, naming the address, when a committed signup gets a second email', async () => {
    // Arrange
    const pipeline = withSentEmails(createMemoryPipeline(), (emails) => [
      ...emails,
      extraEmail('ada@example.com'),
    ]);

    // Act
    const report = await runNotificationsRecipe(pipeline);

    // Assert
    expect(report.ok).toBe(false);
    expect(report.problems).toContain('ada@example.com committed but got 2 welcome emails');
  });

  it('fails the check when a rolled-back signup gets an email', async () => {
    // Arrange
    const pipeline = withSentEmails(createMemoryPipeline(), (emails) => [
      ...emails,
      extraEmail('not-an-email'),
    ]);

    // Act
    const report = await runNotificationsRecipe(pipeline);

    // Assert
    expect(report.ok).toBe(false);
    expect(report.problems).toContain('not-an-email was rejected but got an email');
  });

  it('fails the check when a committed signup gets no email', async () => {
    // Arrange
    const pipeline = withSentEmails(createMemoryPipeline(), (emails) =>
      emails.filter((e) => !e.to.includes('grace@example.com')),
    );

    // Act
    const report = await runNotificationsRecipe(pipeline);

    // Assert
    expect(report.ok).toBe(false);
    expect(report.problems).toContain('grace@example.com committed but got 0 welcome emails');
  });

  it('fails the check when the pipeline really sends every welcome email twice', async () => {
    // Arrange: a routing mistake, through the real relay, queue and consumer.
    const router = new NotificationRouter()
      .register<UserRegistered>(USER_REGISTERED, (event) => [
        ...welcomeEmail(event),
        ...welcomeEmail(event),
      ])
      .freeze();

    // Act
    const report = await runNotificationsRecipe(createMemoryPipeline({ router }));

    // Assert
    expect(report.ok).toBe(false);
    expect(report.emails).toHaveLength(4);
    expect(report.problems).toEqual([
      'ada@example.com committed but got 2 welcome emails',
      'grace@example.com committed but got 2 welcome emails',
      '4 emails sent for 2 committed signups',
    ]);
  });

  describe('runLocal, the exit code of `npm run local`', () => {
    it.each([
      [
        'sends every welcome email twice',
        (event: IntegrationEvent<UserRegistered>) => [
          ...welcomeEmail(event),
          ...welcomeEmail(event),
        ],
      ],
      ['sends nothing', () => []],
    ])('is 1 when the router %s', async (_, mapper) => {
      // Arrange
      const router = new NotificationRouter()
        .register<UserRegistered>(USER_REGISTERED, mapper)
        .freeze();
      const printed: string[] = [];

      // Act
      const exitCode = await runLocal(createMemoryPipeline({ router }), (line) =>
        printed.push(line),
      );

      // Assert
      expect(exitCode).toBe(1);
      expect(printed.join('\n')).toContain('Check FAILED');
    });

    it('is 0 with the app router, every committed signup welcomed once', async () => {
      // Arrange
      const printed: string[] = [];

      // Act
      const exitCode = await runLocal(createMemoryPipeline(), (line) => printed.push(line));

      // Assert
      expect(exitCode).toBe(0);
      expect(printed.join('\n')).toContain('Check passed: 2 committed signups, 2 welcome emails');
    });
  });

  it('runs as `npx tsx examples/recipes/notifications/main.ts`, exiting 0 and naming both welcome emails', async () => {
    // Arrange: the in-memory mode, whatever the caller's environment says.
    const { TIDINGS_LOCAL: _ignored, ...env } = process.env;

    // Act: execFile rejects on a non-zero exit code.
    const { stdout } = await run('npx', ['tsx', 'examples/recipes/notifications/main.ts'], {
      cwd: ROOT,
      env,
      timeout: 60_000,
    });

    // Assert
    expect(stdout).toMatch(/to ada@example\.com\s+"Welcome to Tidings"/);
    expect(stdout).toMatch(/to grace@example\.com\s+"Welcome to Tidings"/);
    expect(stdout).toContain('Check passed: 2 committed signups, 2 welcome emails');
  }, 60_000);
});
