import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { NotificationSenders } from '../lambdas/ports.ts';
import { composeSenders } from '../lambdas/senders/composeSenders.ts';
import { SesEmailSender } from '../lambdas/senders/SesEmailSender.ts';
import { SnsPushSender } from '../lambdas/senders/SnsPushSender.ts';
import { BENCH_RESOURCES } from './pipeline.ts';

/**
 * The shipped SES v2 email and SNS push senders over the given clients (mocked, or pointed at
 * SES local), joined as the consumer joins them (`sendersFromEnv`). Welcome emails need no
 * webhook channel, so none is configured.
 */
export function createBenchSenders(clients: {
  readonly ses: SESv2Client;
  readonly sns?: SNSClient;
}): NotificationSenders {
  return composeSenders({
    email: new SesEmailSender({ fromAddress: BENCH_RESOURCES.fromAddress, client: clients.ses }),
    push: new SnsPushSender(clients.sns ? { client: clients.sns } : {}),
  });
}
