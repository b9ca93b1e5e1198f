import type { MessageTag, SESv2Client, SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import type { EmailNotification, SendContext, SendResult } from '../ports.ts';
import { classifySesError } from './classifySesError.ts';
import { EmailTagName } from './constants.ts';
import { memoizeAsync } from './memoizeAsync.ts';
import { sesFromAddress } from './sesFromAddress.ts';
import type { ChannelSender, ClientSource } from './types.ts';

/** Options of `SesEmailSender`. */
export type SesEmailSenderOptions = ClientSource<SESv2Client> & {
  /**
   * The verified identity mail is sent from: `no-reply@example.com` or `Name <no-reply@example.com>`.
   * The address must be ASCII (an international domain in punycode); a display name may hold
   * any characters and is MIME-encoded for SES when the sender is built.
   */
  readonly fromAddress: string;
  /** A configuration set for event publishing and suppression. @default none */
  readonly configurationSetName?: string;
};

// The client and its command come from a module naming only those two, by `import()` on the
// first email, once. The consumer is deployed code-split (lib/bundling.ts), so that module and
// the SES code under it form chunks of their own that a cold start does not read, and esbuild
// keeps no other SES command. In a single-file bundle the same `import()` would not pay: the
// code is inlined and parsed at load anyway, and compiled a second time on the first email
// (docs/benchmarks.md, section 3).
const loadSes = memoizeAsync(() => import('./sesSendEmail.ts'));
const defaultSesClient = memoizeAsync(async () => new (await loadSes()).SESv2Client({}));

const TAG_UNSAFE = /[^A-Za-z0-9_-]/g;

/**
 * A value SES accepts in a message tag: only ASCII letters, digits, `_` and `-`, at most 256
 * characters. Other characters become `_` (`user.registered` -> `user_registered`).
 */
export function sesTagValue(value: string): string {
  return value.replace(TAG_UNSAFE, '_').slice(0, 256);
}

/**
 * The SES v2 `SendEmail` input for one notification; pure, so it is tested without mocks.
 * `config.fromAddress` is sent as it is: `sesFromAddress` makes one SES takes.
 */
export function buildSendEmailInput(
  notification: EmailNotification,
  context: SendContext,
  config: { readonly fromAddress: string; readonly configurationSetName?: string | undefined },
): SendEmailCommandInput {
  const utf8 = (data: string) => ({ Data: data, Charset: 'UTF-8' });
  const tags: MessageTag[] = [];
  for (const [name, value] of [
    [EmailTagName.EVENT_ID, context.eventId],
    [EmailTagName.EVENT_TYPE, context.eventType],
  ] as const) {
    const safe = sesTagValue(value);
    if (safe) tags.push({ Name: name, Value: safe });
  }
  return {
    FromEmailAddress: config.fromAddress,
    Destination: {
      ToAddresses: typeof notification.to === 'string' ? [notification.to] : [...notification.to],
      ...(notification.cc?.length ? { CcAddresses: [...notification.cc] } : {}),
    },
    ...(notification.replyTo ? { ReplyToAddresses: [notification.replyTo] } : {}),
    Content: {
      Simple: {
        Subject: utf8(notification.subject),
        Body: {
          Text: utf8(notification.body),
          ...(notification.html ? { Html: utf8(notification.html) } : {}),
        },
      },
    },
    ...(config.configurationSetName ? { ConfigurationSetName: config.configurationSetName } : {}),
    ...(tags.length ? { EmailTags: tags } : {}),
  };
}

/**
 * Sends email notifications with SES v2 `SendEmail` (simple content: text, optional HTML,
 * UTF-8), tagged with the event id and type. The SES code is loaded and the client built on the first send.
 *
 * @example
 * const email = new SesEmailSender({ fromAddress: 'Tidings <no-reply@example.com>' });
 * const { providerMessageId } = await email.send(notification, context);
 */
export class SesEmailSender implements ChannelSender<EmailNotification> {
  /** `FromEmailAddress` as sent: the option trimmed, a non-ASCII display name MIME-encoded. */
  readonly fromAddress: string;
  readonly configurationSetName: string | undefined;
  readonly #client: () => Promise<SESv2Client>;

  /**
   * @throws SenderConfigurationError when `fromAddress` is not an email address or
   *   `Name <address>`, or its address is not ASCII.
   */
  constructor(options: SesEmailSenderOptions) {
    this.fromAddress = sesFromAddress(options.fromAddress);
    this.configurationSetName = options.configurationSetName || undefined;
    const { client, clientFactory } = options;
    this.#client = client
      ? () => Promise.resolve(client)
      : clientFactory
        ? memoizeAsync(clientFactory)
        : defaultSesClient;
  }

  /**
   * Sends one email.
   * @returns SES's `MessageId` as `providerMessageId`.
   * @throws SendError classified by `classifySesError`, the SDK error as its `cause`.
   */
  async send(notification: EmailNotification, context: SendContext): Promise<SendResult> {
    const input = buildSendEmailInput(notification, context, this);
    try {
      const [client, { SendEmailCommand }] = await Promise.all([this.#client(), loadSes()]);
      const output = await client.send(new SendEmailCommand(input));
      return output.MessageId ? { providerMessageId: output.MessageId } : {};
    } catch (error) {
      throw classifySesError(error);
    }
  }
}
