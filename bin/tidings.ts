#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { TidingsStack } from '../lib/tidings-stack.ts';

/**
 * The Tidings CDK app: the example stack, checked by cdk-nag's AWS Solutions rules on every
 * synth. Settings come from context, e.g. `cdk deploy -c senderEmail=no-reply@example.com`.
 */
const app = new App();

function context(key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}

function flag(key: string): boolean | undefined {
  const value = context(key);
  return value === undefined ? undefined : value === 'true';
}

const list = (key: string): string[] | undefined =>
  context(key)
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);

const senderEmail = context('senderEmail');
const sesIdentity = context('sesIdentity');
const configurationSetName = context('configurationSetName');
const fifo = flag('fifo');
const producerFunctionUrl = flag('producerFunctionUrl');
const pushPlatformApplicationArns = list('pushPlatformApplicationArns');
const additionalSesIdentities = list('additionalSesIdentities');
const alarmEmail = context('alarmEmail');

new TidingsStack(app, context('stackName') ?? 'Tidings', {
  description: 'Tidings: transactional notifications (outbox, stream relay, SQS, consumer)',
  notifications: {
    ...(senderEmail ? { senderEmail } : {}),
    ...(sesIdentity ? { sesIdentity } : {}),
    ...(configurationSetName ? { configurationSetName } : {}),
    ...(fifo === undefined ? {} : { fifo }),
    ...(producerFunctionUrl === undefined ? {} : { producerFunctionUrl }),
    ...(pushPlatformApplicationArns ? { pushPlatformApplicationArns } : {}),
    ...(additionalSesIdentities ? { additionalSesIdentities } : {}),
  },
  ...(alarmEmail ? { alarmEmail } : {}),
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
