import * as z from 'zod/mini';
import { InvalidNotificationError, UnknownNotificationKindError } from './errors.ts';
import { pushPayloadIssues } from './pushPayloads.ts';
import type { Notification } from './types.ts';
import '../zodLocale.ts';

/** Options for `validateNotification`. */
export interface ValidateNotificationOptions {
  /**
   * Accept `http://` webhook URLs whose host is loopback (`localhost`, `127.0.0.0/8`, `[::1]`).
   * Only for local runs and tests; never on AWS.
   * @default false
   */
  readonly allowLoopbackHttp?: boolean;
}

const LOOPBACK_HOSTS = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

const address = z.email({
  error: (issue) => `not a valid email address: ${JSON.stringify(issue.input)}`,
});
const text = (max: number) =>
  z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(max));

/** The most recipients SES sends one message to, To, CC and BCC together. */
const MAX_EMAIL_RECIPIENTS = 50;

const emailSchema = z
  .object({
    kind: z.literal('email'),
    to: z.union([
      address,
      z
        .array(address)
        .check(z.minLength(1, 'needs at least one recipient'), z.maxLength(MAX_EMAIL_RECIPIENTS)),
    ]),
    subject: text(998),
    body: text(256_000),
    html: z.optional(z.string().check(z.minLength(1))),
    cc: z.optional(z.array(address).check(z.maxLength(MAX_EMAIL_RECIPIENTS))),
    replyTo: z.optional(address),
  })
  .check(
    // Each list within the limit is not enough: SES counts the message's recipients, and
    // refuses 30 + 30 as it refuses 60 in one list.
    z.superRefine((email, ctx) => {
      const recipients =
        (typeof email.to === 'string' ? 1 : email.to.length) + (email.cc?.length ?? 0);
      if (recipients > MAX_EMAIL_RECIPIENTS) {
        ctx.addIssue({
          code: 'custom',
          input: email,
          message: `to and cc name ${recipients} recipients together, over the ${MAX_EMAIL_RECIPIENTS} SES sends one message to`,
        });
      }
    }),
  );

const pushSchema = z
  .object({
    kind: z.literal('push'),
    deviceToken: text(1024),
    title: text(256),
    body: text(4096),
    data: z.optional(z.record(z.string(), z.string())),
  })
  .check(
    // Each field within its limit is not enough: APNs and FCM measure the payload the
    // fields make together, as SNS delivers it.
    z.superRefine((push, ctx) => {
      for (const issue of pushPayloadIssues(push)) {
        ctx.addIssue({ code: 'custom', input: push, message: issue.message });
      }
    }),
  );

function webhookSchema(allowLoopbackHttp: boolean) {
  return z.object({
    kind: z.literal('webhook'),
    url: z.string().check(
      z.superRefine((value, ctx) => {
        let url: URL;
        try {
          url = new URL(value);
        } catch {
          ctx.addIssue({ code: 'custom', message: `not a URL: ${JSON.stringify(value)}` });
          return;
        }
        if (url.protocol === 'https:') return;
        if (url.protocol === 'http:' && allowLoopbackHttp && LOOPBACK_HOSTS.test(url.hostname))
          return;
        ctx.addIssue({
          code: 'custom',
          message: `webhook url must be https: ${JSON.stringify(value)}`,
        });
      }),
    ),
    payload: z.unknown().check(z.refine((p) => p !== undefined, 'is required')),
    headers: z.optional(z.record(z.string(), z.string())),
  });
}

/**
 * Checks a notification before it is sent: addresses well-formed and at most 50 recipients
 * in all, a push payload within the 4 KB APNs and FCM accept, webhook URL https (http only
 * to loopback, and only when `allowLoopbackHttp` is set), required fields present.
 *
 * @throws InvalidNotificationError (permanent) naming each failing field.
 * @throws UnknownNotificationKindError (permanent) when `kind` is not a known channel.
 */
export function validateNotification(
  notification: unknown,
  options: ValidateNotificationOptions = {},
): Notification {
  const kind = (notification as { kind?: unknown } | null)?.kind;
  const schema =
    kind === 'email'
      ? emailSchema
      : kind === 'push'
        ? pushSchema
        : kind === 'webhook'
          ? webhookSchema(options.allowLoopbackHttp ?? false)
          : undefined;
  if (!schema) throw new UnknownNotificationKindError(kind);
  const result = schema.safeParse(notification);
  if (!result.success) {
    throw new InvalidNotificationError(
      String(kind),
      result.error.issues.map((issue) => ({
        path: issue.path.join('.') || '(root)',
        message: issue.message,
      })),
    );
  }
  return notification as Notification;
}
