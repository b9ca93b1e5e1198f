import { App, Stack, Validations } from 'aws-cdk-lib';
import { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { TidingsStack, type TidingsStackProps } from '../../lib/tidings-stack.ts';
import { NO_BUNDLING, TEST_ENV } from './helpers.ts';

/** The example app as `bin/tidings.ts` builds it, with cdk-nag attached the same way. */
function exampleApp(props: TidingsStackProps): { app: App; stack: TidingsStack } {
  const app = new App({ context: NO_BUNDLING });
  const stack = new TidingsStack(app, 'Tidings', { env: TEST_ENV, ...props });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
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

const VARIANTS: [string, TidingsStackProps][] = [
  [
    'every option on',
    {
      notifications: {
        senderEmail: 'no-reply@example.com',
        sesIdentity: 'example.com',
        configurationSetName: 'tidings',
        pushPlatformApplicationArns: [
          `arn:aws:sns:${TEST_ENV.region}:${TEST_ENV.account}:app/GCM/MyApp`,
          `arn:aws:sns:${TEST_ENV.region}:${TEST_ENV.account}:app/APNS/MyApp`,
        ],
        producerFunctionUrl: true,
      },
      alarmEmail: 'ops@example.com',
    },
  ],
  ['FIFO', { notifications: { senderEmail: 'no-reply@example.com', fifo: true } }],
  ['no context at all', {}],
];

describe('cdk-nag AwsSolutions checks on the example stack', () => {
  it.each(VARIANTS)(
    'reports no unacknowledged finding (%s)',
    (_name, props) => {
      // Arrange
      const { app } = exampleApp(props);

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
    'is attached so that a finding fails synth',
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
