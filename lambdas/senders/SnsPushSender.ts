import type { PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { InvalidNotificationError, SendError } from '../notifications/errors.ts';
import { pushPayloadIssues, pushPayloads } from '../notifications/pushPayloads.ts';
import type { PushNotification, SendContext, SendResult } from '../ports.ts';
import { classifySnsError } from './classifySnsError.ts';
import { memoizeAsync } from './memoizeAsync.ts';
import type { ChannelSender, ClientSource } from './types.ts';

/** Options of `SnsPushSender`: only where its client comes from. */
export type SnsPushSenderOptions = ClientSource<SNSClient>;

// Loaded by `import()` on the first push and built then, once: see SesEmailSender.ts for why.
const loadSns = memoizeAsync(() => import('./snsPublish.ts'));
const defaultSnsClient = memoizeAsync(async () => new (await loadSns()).SNSClient({}));

/** `arn:<partition>:sns:<region>:<account>:endpoint/<platform>/<application>/<id>` */
const ENDPOINT_ARN =
  /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:endpoint\/[A-Za-z0-9_]+\/[^/\s]+\/[^/\s]+$/;

/** Whether `value` is an SNS platform endpoint ARN, the only push target `Publish` takes here. */
export function isSnsEndpointArn(value: string): boolean {
  return ENDPOINT_ARN.test(value);
}

/**
 * The SNS `Publish` input for one push: `MessageStructure: 'json'` with a message per
 * platform, as `pushPayloads` builds them. APNS and APNS_SANDBOX get `aps.alert` with title
 * and body; FCM gets its HTTP v1 form under `GCM`.
 */
export function buildPublishInput(notification: PushNotification): PublishCommandInput {
  const { apns, fcm } = pushPayloads(notification);
  return {
    TargetArn: notification.deviceToken,
    MessageStructure: 'json',
    Message: JSON.stringify({
      default: notification.body,
      APNS: apns,
      APNS_SANDBOX: apns,
      GCM: fcm,
    }),
  };
}

/**
 * Sends push notifications with SNS `Publish` to a platform endpoint ARN (the notification's
 * `deviceToken`). The SNS code is loaded and the client built on the first push.
 *
 * @example
 * const push = new SnsPushSender();
 * await push.send({ kind: 'push', deviceToken: endpointArn, title: 'Hi', body: 'Welcome' }, context);
 */
export class SnsPushSender implements ChannelSender<PushNotification> {
  readonly #client: () => Promise<SNSClient>;

  constructor(options: SnsPushSenderOptions = {}) {
    const { client, clientFactory } = options;
    this.#client = client
      ? () => Promise.resolve(client)
      : clientFactory
        ? memoizeAsync(clientFactory)
        : defaultSnsClient;
  }

  /**
   * Publishes one push.
   * @returns SNS's `MessageId` as `providerMessageId`.
   * @throws SendError (permanent, reason `invalid-endpoint-arn`) when `deviceToken` is not an
   *   SNS platform endpoint ARN, before any call; otherwise as `classifySnsError` says.
   * @throws InvalidNotificationError (permanent) when a platform's payload would pass the
   *   4 KB APNs and FCM accept, before any call.
   */
  async send(notification: PushNotification, _context: SendContext): Promise<SendResult> {
    if (!isSnsEndpointArn(notification.deviceToken)) {
      throw new SendError({
        channel: 'push',
        reason: 'invalid-endpoint-arn',
        permanent: true,
        message: `push deviceToken must be an SNS platform endpoint ARN (arn:aws:sns:<region>:<account>:endpoint/...): ${JSON.stringify(notification.deviceToken.slice(0, 200))}`,
      });
    }
    const tooLarge = pushPayloadIssues(notification);
    if (tooLarge.length > 0) throw new InvalidNotificationError('push', tooLarge);
    const input = buildPublishInput(notification);
    try {
      const [client, { PublishCommand }] = await Promise.all([this.#client(), loadSns()]);
      const output = await client.send(new PublishCommand(input));
      return output.MessageId ? { providerMessageId: output.MessageId } : {};
    } catch (error) {
      throw classifySnsError(error);
    }
  }
}
