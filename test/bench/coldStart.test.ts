import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bundleComposition,
  bundleSubject,
  coldStartRunOrder,
  measureColdStarts,
  parseLoaderOutput,
} from '../../bench/coldStart.ts';
import { coldStartEnvironment } from '../../bench/coldStartEnvironment.ts';
import { benchEntry } from '../../bench/entries.ts';
import { BenchMeasurementError } from '../../bench/errors.ts';
import { median } from '../../bench/statistics.ts';
import { TIDINGS_BUNDLING } from '../../lib/bundling.ts';
import { thrownBy } from '../helpers/events.ts';

describe('the consumer bundle, as the construct builds it (code-split)', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'tidings-consumer-inputs-'));
  let inputs: Record<string, number> = {};
  let file = '';

  beforeAll(async () => {
    const bundle = await bundleSubject(
      { name: 'consumer', entry: benchEntry('consumer'), bundling: 'code-split', env: {} },
      outdir,
    );
    inputs = bundle.inputs;
    file = bundle.file;
  }, 60_000);

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it("carries zod/mini and zod's English locale only, not the classic API or other locales", () => {
    // Act
    const zod = Object.keys(inputs).filter((path) => path.includes('node_modules/zod/'));

    // Assert
    expect(zod.some((path) => path.includes('/zod/v4/mini/'))).toBe(true);
    expect(zod.filter((path) => path.includes('/zod/v4/classic/'))).toEqual([]);
    const locales = zod.filter((path) => /\/zod\/v4\/locales\/(?!index\.js)/.test(path));
    expect(locales).toEqual([expect.stringMatching(/\/zod\/v4\/locales\/en\.js$/)]);
  });

  it('carries only the command each channel sends of the SES, SNS and Secrets Manager SDKs', () => {
    // Act
    const modules = Object.keys(inputs)
      .map((path) => /@aws-sdk\/client-(sesv2|sns|secrets-manager)\/dist-es\/(.+)$/.exec(path))
      .filter((match) => match !== null)
      .map(([, client, file]) => `${client}/${file}`);

    // Assert: no aggregated client (`SESv2.js` and the like import every command) ...
    expect(modules.filter((path) => /^[^/]+\/(SESv2|SNS|SecretsManager)\.js$/.test(path))).toEqual(
      [],
    );
    // ... and of the commands, only the ones sent.
    expect(modules.filter((path) => path.includes('/commands/')).sort()).toEqual([
      'secrets-manager/commands/GetSecretValueCommand.js',
      'sesv2/commands/SendEmailCommand.js',
      'sns/commands/PublishCommand.js',
    ]);
  });

  it("loads Node's DNS module on the first webhook, not at init with the webhook sender", () => {
    // Arrange: a fresh process with the deployed environment, webhook secret included.
    const script = `
      const before = new Set(process.moduleLoadList);
      const bundle = await import(${JSON.stringify(`file://${file}`)});
      bundle.consumerDepsFromEnv();
      console.log(JSON.stringify(process.moduleLoadList.filter((name) => !before.has(name))));`;

    // Act
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH ?? '', ...coldStartEnvironment() },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const loaded = JSON.parse(output.toString().trim().split('\n').at(-1) ?? '[]') as string[];

    // Assert: the SDK's own modules load (the list is real), Node's DNS module does not.
    expect(loaded).toContain('NativeModule https');
    expect(loaded).not.toContain('NativeModule dns/promises');
  }, 30_000);
});

describe('bundleSubject', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'tidings-bundle-subject-'));

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('counts what a code-split cold start reads, not the chunks loaded on first use', async () => {
    // Arrange: an entry that reaches 20 KB of text only by import().
    writeFileSync(
      join(outdir, 'late.ts'),
      `export const text = ${JSON.stringify('x'.repeat(20_000))};\n`,
    );
    const entry = join(outdir, 'entry.ts');
    writeFileSync(entry, "export const handler = async () => (await import('./late.ts')).text;\n");

    // Act
    const built = await bundleSubject(
      { name: 'split', entry, bundling: 'code-split', env: {} },
      join(outdir, 'out'),
    );

    // Assert: the asset holds the late module, the entry's count does not.
    expect(built.file).toBe(join(outdir, 'out', 'index.mjs'));
    expect(Object.keys(built.inputs).some((path) => path.endsWith('late.ts'))).toBe(true);
    expect(built.bytes).toBeLessThan(2_000);
  }, 60_000);
});

describe('parseLoaderOutput', () => {
  it("finds the loader's result after the handler's own logs and metrics", () => {
    // Arrange
    const stdout = [
      '{"level":"INFO","message":"message processed"}',
      '{"_aws":{"CloudWatchMetrics":[]},"NotificationsSent":1}',
      '@@cold-start {"importMs":80,"constructMs":0,"invokeMs":60,"cpuMs":150,"response":{"batchItemFailures":[]}}',
      '',
    ].join('\n');

    // Act
    const measured = parseLoaderOutput(stdout);

    // Assert
    expect(measured).toEqual({
      importMs: 80,
      constructMs: 0,
      invokeMs: 60,
      cpuMs: 150,
      response: { batchItemFailures: [] },
    });
  });

  it('throws BenchMeasurementError when the process printed no result', () => {
    expect(thrownBy(() => parseLoaderOutput('{"level":"ERROR"}\n'))).toBeInstanceOf(
      BenchMeasurementError,
    );
  });
});

describe('coldStartRunOrder', () => {
  it('runs every subject once per round, reversing the order every other round', () => {
    // Act
    const order = coldStartRunOrder(3, 4);

    // Assert
    expect(order).toEqual([
      [0, 1, 2],
      [2, 1, 0],
      [0, 1, 2],
      [2, 1, 0],
    ]);
  });

  it('over an even number of rounds, runs each subject as often before another as after it', () => {
    // Arrange
    const order = coldStartRunOrder(4, 10);
    const runsBefore = (a: number, b: number) =>
      order.filter((round) => round.indexOf(a) < round.indexOf(b)).length;

    // Act
    const counts = [
      [runsBefore(2, 3), runsBefore(3, 2)],
      [runsBefore(0, 3), runsBefore(3, 0)],
    ];

    // Assert
    expect(counts).toEqual([
      [5, 5],
      [5, 5],
    ]);
  });
});

describe('measureColdStarts', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'tidings-cold-start-'));

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it("keeps each subject's per-round samples, whose medians are the figures it reports", async () => {
    // Arrange: two tiny bundles, three rounds.
    const entry = join(outdir, 'tiny.ts');
    writeFileSync(entry, 'export const loaded = true;\n');
    const subject = { entry, bundling: TIDINGS_BUNDLING, env: {} };

    // Act
    const results = await measureColdStarts(
      [
        { name: 'a', ...subject },
        { name: 'b', ...subject },
      ],
      { outdir: join(outdir, 'out'), runs: 3 },
    );

    // Assert: one result per subject, in order, so the loop below checks both.
    expect(results.map((result) => result.name)).toEqual(['a', 'b']);
    for (const result of results) {
      expect(result.samples.loadMs).toHaveLength(3);
      expect(result.samples.totalMs).toHaveLength(3);
      expect(result.samples.cpuMs).toHaveLength(3);
      // The figures are the medians rounded to a tenth of a millisecond.
      expect(result.loadMs).toBe(Math.round(median(result.samples.loadMs) * 10) / 10);
      expect(result.totalMs).toBe(Math.round(median(result.samples.totalMs) * 10) / 10);
      expect(result.cpuMs).toBe(Math.round(median(result.samples.cpuMs) * 10) / 10);
    }
  }, 60_000);
});

describe('bundleComposition', () => {
  it('groups output bytes by package, scoped packages whole, largest first', () => {
    // Arrange
    const inputs = {
      'node_modules/@aws-sdk/client-sqs/dist-es/index.js': { bytesInOutput: 2048 },
      'node_modules/@aws-sdk/client-sqs/dist-es/commands.js': { bytesInOutput: 1024 },
      'node_modules/zod/v4/core.js': { bytesInOutput: 4096 },
      'lambdas/relay.ts': { bytesInOutput: 512 },
    };

    // Act
    const composition = bundleComposition(inputs);

    // Assert
    expect(composition).toEqual([
      { source: 'zod', kb: 4 },
      { source: '@aws-sdk/client-sqs', kb: 3 },
      { source: 'lambdas', kb: 0.5 },
    ]);
  });
});
