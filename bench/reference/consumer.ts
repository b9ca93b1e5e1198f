/**
 * The conventional reference consumer, for the cold-start comparison only: written as the
 * Powertools and zod docs show it, every client it might need constructed at module scope
 * and zod imported as `import { z } from 'zod'`, which bundles zod's whole classic API and
 * all its locales (443 KB minified). Tidings' consumer is held to at most 0.7x its load time.
 */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SNSClient } from '@aws-sdk/client-sns';
import { z } from 'zod';
import { referenceHandler } from './referenceHandler.ts';

const ses = new SESv2Client({});
const sns = new SNSClient({});

const Body = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('email'),
    to: z.email(),
    subject: z.string().min(1),
    text: z.string(),
    html: z.string().optional(),
  }),
  z.object({
    kind: z.literal('push'),
    targetArn: z.string().startsWith('arn:aws:sns:'),
    message: z.string(),
  }),
]);

/** The handler, clients built at import. */
export const handler = referenceHandler((raw) => Body.parse(raw), {
  ses: () => ses,
  sns: () => sns,
});
