import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleSubject, parseLoaderOutput } from '../../bench/coldStart.ts';
import { BenchMeasurementError } from '../../bench/errors.ts';
import { LAMBDA_ENTRIES, TIDINGS_BUNDLING } from '../../lib/bundling.ts';
import { thrownBy } from '../helpers/events.ts';

describe('the consumer bundle, as the CDK builds it', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'tidings-consumer-inputs-'));
  let inputs: Record<string, number> = {};

  beforeAll(async () => {
    const bundle = await bundleSubject(
      { name: 'consumer', entry: LAMBDA_ENTRIES.consumer, bundling: TIDINGS_BUNDLING, env: {} },
      outdir,
    );
    inputs = bundle.inputs;
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
