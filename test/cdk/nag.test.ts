import { Stack, Validations } from 'aws-cdk-lib';
import { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../examples/signup/app.ts';
import { NO_BUNDLING, TEST_ENV } from './helpers.ts';

/** The app `bin/tidings.ts` runs, with context as `cdk synth -c key=value` passes it. */
function exampleApp(context: Record<string, string>) {
  return createApp({ context: { ...NO_BUNDLING, ...context } });
}

function acknowledgments(root: IConstruct): { path: string; id: string; reason: unknown }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({
          path: construct.node.path,
          id,
          reason,
        })),
      ),
  );
}

/** Synthesizing a whole pipeline takes seconds, more on a loaded machine. */
const SYNTH_TIMEOUT_MS = 60_000;

const VARIANTS: [string, Record<string, string>][] = [
  [
    'every option on',
    {
      senderEmail: 'Tidings <no-reply@example.com>',
      sesIdentity: 'example.com',
      additionalSesIdentities: 'a@example.com, b@example.com',
      configurationSetName: 'tidings',
      pushPlatformApplicationArns: [
        `arn:aws:sns:${TEST_ENV.region}:${TEST_ENV.account}:app/GCM/MyApp`,
        `arn:aws:sns:${TEST_ENV.region}:${TEST_ENV.account}:app/APNS/MyApp`,
      ].join(','),
      producerFunctionUrl: 'true',
      alarmEmail: 'ops@example.com',
    },
  ],
  ['FIFO', { senderEmail: 'no-reply@example.com', fifo: 'true' }],
  ['no context at all', {}],
];

describe('cdk-nag AwsSolutions checks on the example app', () => {
  it.each(VARIANTS)(
    'reports no unacknowledged finding (%s)',
    (_name, context) => {
      // Arrange
      const { app } = exampleApp(context);

      // Act: synth runs the plugin and throws on any finding; the direct run lists them.
      const synth = () => app.synth();
      const report = new AwsSolutionsChecks().validateScope(app);

      // Assert
      expect(synth).not.toThrow();
      expect(report.violations).toEqual([]);
    },
    SYNTH_TIMEOUT_MS,
  );

  it(
    'is attached to the app so that a finding fails synth',
    () => {
      // Arrange: an unencrypted queue without a DLQ or TLS policy, next to the pipeline.
      const { app } = exampleApp({});
      new CfnQueue(new Stack(app, 'Careless'), 'Queue');

      // Act
      const synth = () => app.synth();

      // Assert
      expect(synth).toThrow(/AwsSolutions-SQS3/);
    },
    SYNTH_TIMEOUT_MS,
  );

  it('gives every acknowledged finding a written reason', () => {
    // Arrange
    const { stack } = exampleApp(VARIANTS[0]?.[1] ?? {});

    // Act
    const acknowledged = acknowledgments(stack);

    // Assert
    expect(acknowledged.map((a) => a.id)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('AwsSolutions-IAM5[Resource::*]'),
        expect.stringContaining('AwsSolutions-SMG4'),
        expect.stringContaining('AwsSolutions-SQS3'),
        expect.stringContaining('endpoint/GCM/MyApp/*'),
        expect.stringContaining('endpoint/APNS/MyApp/*'),
      ]),
    );
    for (const { reason } of acknowledged) {
      expect(typeof reason === 'string' && reason.split(' ').length >= 8).toBe(true);
    }
  });
});
