import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../examples/signup/app.ts';
import { PLACEHOLDER_SENDER_EMAIL } from '../../examples/signup/stack.ts';
import { Env } from '../../lambdas/constants.ts';
import { NO_BUNDLING } from './helpers.ts';

/** Synthesizing a whole pipeline takes seconds, more on a loaded machine. */
const SYNTH_TIMEOUT_MS = 60_000;

describe('createApp', () => {
  it(
    'builds the example stack from context given as -c key=value strings',
    () => {
      // Arrange
      const context = {
        ...NO_BUNDLING,
        stackName: 'Shop',
        senderEmail: 'Tidings <no-reply@example.com>',
        fifo: 'true',
        producerFunctionUrl: 'true',
        alarmEmail: 'ops@example.com',
        pushPlatformApplicationArns:
          'arn:aws:sns:eu-west-1:111122223333:app/GCM/A, arn:aws:sns:eu-west-1:111122223333:app/APNS/B',
      };

      // Act
      const { stack } = createApp({ context });

      // Assert
      const template = Template.fromStack(stack);
      expect(stack.stackName).toBe('Shop');
      template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true });
      template.resourceCountIs('AWS::Lambda::Url', 1);
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'ops@example.com',
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: { [Env.FROM_ADDRESS]: 'Tidings <no-reply@example.com>' },
        },
      });
      const publish = JSON.stringify(
        Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
          (policy) => policy.Properties.PolicyDocument.Statement,
        ),
      );
      expect(publish).toContain('endpoint/GCM/A/*');
      expect(publish).toContain('endpoint/APNS/B/*');
    },
    SYNTH_TIMEOUT_MS,
  );

  it(
    'reads true and false from cdk.json as booleans',
    () => {
      const { stack } = createApp({
        context: { ...NO_BUNDLING, fifo: true, producerFunctionUrl: false },
      });

      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true });
      template.resourceCountIs('AWS::Lambda::Url', 0);
    },
    SYNTH_TIMEOUT_MS,
  );

  it(
    'falls back to the placeholder sender and the stack name Tidings without context',
    () => {
      const { stack } = createApp({ context: NO_BUNDLING });

      expect(stack.stackName).toBe('Tidings');
      Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: { [Env.FROM_ADDRESS]: PLACEHOLDER_SENDER_EMAIL } },
      });
    },
    SYNTH_TIMEOUT_MS,
  );
});
