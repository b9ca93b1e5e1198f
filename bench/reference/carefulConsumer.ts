/**
 * The careful reference consumer, for the cold-start comparison only: the conventional one
 * (`consumer.ts`) written with cold start in mind, as a team that measured it would: zod's
 * `zod/mini` API, and the SES and SNS clients built on their first use instead of at import.
 * Powertools logger, idempotency and batch stay as they are.
 */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod/mini';
import { referenceHandler } from './referenceHandler.ts';

let ses: SESv2Client | undefined;
let sns: SNSClient | undefined;

const Body = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('email'),
    to: z.email(),
    subject: z.string().check(z.minLength(1)),
    text: z.string(),
    html: z.optional(z.string()),
  }),
  z.object({
    kind: z.literal('push'),
    targetArn: z.string().check(z.startsWith('arn:aws:sns:')),
    message: z.string(),
  }),
]);

/** The handler, SES and SNS clients built on the first email or push. */
export const handler = referenceHandler((raw) => Body.parse(raw), {
  ses: () => {
    ses ??= new SESv2Client({});
    return ses;
  },
  sns: () => {
    sns ??= new SNSClient({});
    return sns;
  },
});
