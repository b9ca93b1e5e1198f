import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { TidingsStack } from './stack.ts';

/** The example's CDK app and its stack. */
export interface TidingsApp {
  readonly app: App;
  readonly stack: TidingsStack;
}

/**
 * Builds the example's CDK app: the signup stack, with settings read from context, checked by
 * cdk-nag's AWS Solutions rules on every synth. `bin/tidings.ts` runs it; tests build the
 * same app, so what they check is what `cdk synth` and `cdk deploy` use.
 *
 * @example
 * // cdk deploy -c senderEmail=no-reply@example.com -c fifo=true
 * createApp();
 * // in a test
 * const { app, stack } = createApp({ context: { senderEmail: 'no-reply@example.com' } });
 */
export function createApp(props: AppProps = {}): TidingsApp {
  const app = new App(props);

  const context = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return undefined;
    return String(value);
  };
  // `-c fifo=true` arrives as a string, `"fifo": true` in cdk.json as a boolean.
  const flag = (key: string): boolean | undefined => {
    const value = context(key);
    return value === undefined ? undefined : value === 'true';
  };
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

  const stack = new TidingsStack(app, context('stackName') ?? 'Tidings', {
    description: 'Tidings: transactional notifications (outbox, stream relay, SQS, consumer)',
    notifications: {
      ...(senderEmail ? { senderEmail } : {}),
      ...(sesIdentity ? { sesIdentity } : {}),
      ...(configurationSetName ? { configurationSetName } : {}),
      ...(fifo === undefined ? {} : { fifo }),
      ...(pushPlatformApplicationArns ? { pushPlatformApplicationArns } : {}),
      ...(additionalSesIdentities ? { additionalSesIdentities } : {}),
    },
    ...(producerFunctionUrl === undefined ? {} : { producerFunctionUrl }),
    ...(alarmEmail ? { alarmEmail } : {}),
  });

  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
