import { randomUUID } from 'node:crypto';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { describe, expect, it } from 'vitest';
import { LOCAL_AWS_CONFIG } from '../../lambdas/local/DynamoDbLocal.ts';
import { sesLocalMailbox, startSesLocal } from '../../lambdas/local/SesLocal.ts';
import { useLocalAws } from '../helpers/dynamodbLocal.ts';

const local = useLocalAws();

const email = (to: string) =>
  new SendEmailCommand({
    FromEmailAddress: 'tidings@example.com',
    Destination: { ToAddresses: [to] },
    ReplyToAddresses: ['support@example.com'],
    Content: {
      Simple: {
        Subject: { Data: 'Welcome' },
        Body: { Text: { Data: 'Hi Ada' }, Html: { Data: '<p>Hi Ada</p>' } },
      },
    },
  });

describe('SES local', () => {
  it('stores an email sent with SESv2Client, and fetchEmails returns it', async () => {
    const to = `ada-${randomUUID()}@example.com`;

    const sent = await local().ses.send(email(to));
    const emails = (await sesLocalMailbox(local().sesEndpoint).fetchEmails()).filter((e) =>
      e.destination.to.includes(to),
    );

    expect(sent.MessageId).toBeTruthy();
    expect(emails).toEqual([
      expect.objectContaining({
        messageId: sent.MessageId,
        from: 'tidings@example.com',
        replyTo: ['support@example.com'],
        destination: { to: [to], cc: [], bcc: [] },
        subject: 'Welcome',
        body: { text: 'Hi Ada', html: '<p>Hi Ada</p>' },
      }),
    ]);
  });

  it('clear() forgets the mail received so far', async () => {
    // A private instance: clearing the run's shared mailbox would race other test files.
    const ses = await startSesLocal();
    const client = new SESv2Client({ ...LOCAL_AWS_CONFIG, endpoint: ses.endpoint });
    try {
      await client.send(email('first@example.com'));

      await ses.clear();
      await client.send(email('second@example.com'));
      const emails = await ses.fetchEmails();

      expect(emails.map((e) => e.destination.to)).toEqual([['second@example.com']]);
    } finally {
      client.destroy();
      await ses.stop();
    }
  });
});
