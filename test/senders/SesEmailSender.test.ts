import {
  AccountSuspendedException,
  BadRequestException,
  LimitExceededException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  NotFoundException,
  SESv2Client,
  SendEmailCommand,
  SendingPausedException,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SendError } from '../../lambdas/notifications/errors.ts';
import type { SendContext } from '../../lambdas/ports.ts';
import { classifySesError } from '../../lambdas/senders/classifySesError.ts';
import { SenderConfigurationError } from '../../lambdas/senders/errors.ts';
import { SesEmailSender, sesTagValue } from '../../lambdas/senders/SesEmailSender.ts';
import { EVENT_ID, emailNotification, rejectionOf, thrownBy } from '../helpers/events.ts';

const ses = mockClient(SESv2Client);
const client = new SESv2Client({ region: 'us-east-1' });
const context: SendContext = {
  eventId: EVENT_ID,
  eventType: 'user.registered',
  notificationId: `${EVENT_ID}:0`,
};
const metadata = { $metadata: { httpStatusCode: 400 } };

afterEach(() => {
  ses.reset();
});

describe('SesEmailSender', () => {
  it('sends a text-only email with the event tags and returns the message id', async () => {
    // Arrange
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-1' });
    const sender = new SesEmailSender({ fromAddress: 'no-reply@example.com', client });

    // Act
    const result = await sender.send(emailNotification(), context);

    // Assert
    const expected = {
      FromEmailAddress: 'no-reply@example.com',
      Destination: { ToAddresses: ['ada@example.com'] },
      Content: {
        Simple: {
          Subject: { Data: 'Hello', Charset: 'UTF-8' },
          Body: { Text: { Data: 'Hi Ada', Charset: 'UTF-8' } },
        },
      },
      EmailTags: [
        { Name: 'tidings-event-id', Value: EVENT_ID },
        { Name: 'tidings-event-type', Value: 'user_registered' },
      ],
    };
    expect(ses).toHaveReceivedCommandExactlyOnceWith(SendEmailCommand, expected);
    expect(ses.commandCalls(SendEmailCommand)[0]?.args[0].input).toEqual(expected);
    expect(result).toEqual({ providerMessageId: 'ses-1' });
  });

  it('sends html, cc, reply-to, several recipients and the configuration set', async () => {
    // Arrange
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-2' });
    const sender = new SesEmailSender({
      fromAddress: 'Tidings <no-reply@example.com>',
      configurationSetName: 'tidings',
      client,
    });

    // Act
    await sender.send(
      emailNotification({
        to: ['ada@example.com', 'bob@example.com'],
        cc: ['carol@example.com'],
        replyTo: 'support@example.com',
        html: '<p>Hi Ada</p>',
      }),
      context,
    );

    // Assert
    expect(ses.commandCalls(SendEmailCommand)[0]?.args[0].input).toEqual({
      FromEmailAddress: 'Tidings <no-reply@example.com>',
      Destination: {
        ToAddresses: ['ada@example.com', 'bob@example.com'],
        CcAddresses: ['carol@example.com'],
      },
      ReplyToAddresses: ['support@example.com'],
      Content: {
        Simple: {
          Subject: { Data: 'Hello', Charset: 'UTF-8' },
          Body: {
            Text: { Data: 'Hi Ada', Charset: 'UTF-8' },
            Html: { Data: '<p>Hi Ada</p>', Charset: 'UTF-8' },
          },
        },
      },
      ConfigurationSetName: 'tidings',
      EmailTags: [
        { Name: 'tidings-event-id', Value: EVENT_ID },
        { Name: 'tidings-event-type', Value: 'user_registered' },
      ],
    });
  });

  it('keeps tag values to the characters and length SES allows', () => {
    // Act
    const values = [sesTagValue('order.paid/v2 ü'), sesTagValue('x'.repeat(300))];

    // Assert
    expect(values[0]).toBe('order_paid_v2__');
    expect(values[1]).toHaveLength(256);
  });

  it.each(['', 'not an address', 'Name <nope>', 'a@b@c'])(
    'refuses fromAddress %j when it is built',
    (fromAddress) => {
      // Act
      const error = thrownBy(() => new SesEmailSender({ fromAddress, client }));

      // Assert
      expect(error).toBeInstanceOf(SenderConfigurationError);
      expect((error as Error).message).toContain(JSON.stringify(fromAddress));
    },
  );

  it('builds no client until the first send, then reuses it', async () => {
    // Arrange
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-3' });
    const clientFactory = vi.fn(() => new SESv2Client({ region: 'us-east-1' }));
    const sender = new SesEmailSender({ fromAddress: 'no-reply@example.com', clientFactory });
    const before = clientFactory.mock.calls.length;

    // Act
    await sender.send(emailNotification(), context);
    await sender.send(emailNotification(), context);

    // Assert
    expect(before).toBe(0);
    expect(clientFactory).toHaveBeenCalledTimes(1);
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 2);
  });

  it('sends through a default client when none is given', async () => {
    // Arrange
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-default' });
    const sender = new SesEmailSender({ fromAddress: 'no-reply@example.com' });

    // Act
    const result = await sender.send(emailNotification(), context);

    // Assert
    expect(result.providerMessageId).toBe('ses-default');
  });

  it('throws the classified SendError with the SDK error as its cause', async () => {
    // Arrange
    const rejected = new MessageRejected({
      message: 'Email address is not verified.',
      ...metadata,
    });
    ses.on(SendEmailCommand).rejects(rejected);
    const sender = new SesEmailSender({ fromAddress: 'no-reply@example.com', client });

    // Act
    const error = await rejectionOf(sender.send(emailNotification(), context));

    // Assert
    expect(error).toBeInstanceOf(SendError);
    expect(error).toMatchObject({ channel: 'email', reason: 'MessageRejected', permanent: true });
    expect((error as SendError).cause).toBe(rejected);
    expect((error as SendError).message).toContain('Email address is not verified.');
  });
});

function sdkError(name: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), { name, ...extra });
}

describe('classifySesError', () => {
  it.each([
    ['MessageRejected', new MessageRejected({ message: 'x', ...metadata }), true],
    [
      'MailFromDomainNotVerifiedException',
      new MailFromDomainNotVerifiedException({ message: 'x', ...metadata }),
      true,
    ],
    ['BadRequestException', new BadRequestException({ message: 'x', ...metadata }), true],
    ['NotFoundException', new NotFoundException({ message: 'x', ...metadata }), true],
    [
      'AccountSuspendedException',
      new AccountSuspendedException({ message: 'x', ...metadata }),
      true,
    ],
    [
      'TooManyRequestsException',
      new TooManyRequestsException({ message: 'x', ...metadata }),
      false,
    ],
    ['LimitExceededException', new LimitExceededException({ message: 'x', ...metadata }), false],
    ['SendingPausedException', new SendingPausedException({ message: 'x', ...metadata }), false],
    ['ThrottlingException', sdkError('ThrottlingException', { $fault: 'client' }), false],
    ['Unmodelled', sdkError('Unmodelled', { $metadata: { httpStatusCode: 503 } }), false],
    ['ServerFault', sdkError('ServerFault', { $fault: 'server' }), false],
    ['TimeoutError', sdkError('TimeoutError'), false],
    ['ECONNRESET', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), false],
  ])('classifies %s as permanent=%s', (reason, error, permanent) => {
    // Act
    const classified = classifySesError(error);

    // Assert
    expect(classified).toMatchObject({ channel: 'email', reason, permanent });
    expect(classified.cause).toBe(error);
  });
});

describe('SesEmailSender fromAddress', () => {
  /** The display name an RFC 2047 `B` encoded-word list decodes to, and each word's text. */
  function decodeWords(encoded: string): { name: string; words: string[] } {
    const words = [...encoded.matchAll(/=\?UTF-8\?B\?([A-Za-z0-9+/=]+)\?=/g)].map((m) =>
      Buffer.from(m[1] as string, 'base64').toString('utf8'),
    );
    return { name: words.join(''), words };
  }

  it('sends a non-ASCII display name MIME-encoded, the address as it is', async () => {
    // Arrange
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-cafe' });
    const sender = new SesEmailSender({
      fromAddress: 'Tidings Café <no-reply@example.com>',
      client,
    });

    // Act
    await sender.send(emailNotification(), context);

    // Assert
    expect(ses).toHaveReceivedCommandWith(SendEmailCommand, {
      FromEmailAddress: '=?UTF-8?B?VGlkaW5ncyBDYWbDqQ==?= <no-reply@example.com>',
    });
  });

  it('encodes the name once, when the sender is built', () => {
    // Act
    const sender = new SesEmailSender({
      fromAddress: '  Tidings Café <no-reply@example.com> ',
      client,
    });

    // Assert
    expect(sender.fromAddress).toBe('=?UTF-8?B?VGlkaW5ncyBDYWbDqQ==?= <no-reply@example.com>');
  });

  it('encodes the text of a quoted display name, without its quotes', async () => {
    // Arrange
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-quoted' });
    const sender = new SesEmailSender({
      fromAddress: '"Café \\"Tidings\\", Inc." <no-reply@example.com>',
      client,
    });

    // Act
    await sender.send(emailNotification(), context);

    // Assert
    const from = ses.commandCalls(SendEmailCommand)[0]?.args[0].input.FromEmailAddress ?? '';
    expect(from).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?= <no-reply@example\.com>$/);
    expect(decodeWords(from).name).toBe('Café "Tidings", Inc.');
  });

  it('splits a long name into encoded-words of at most 75 characters, each of whole characters', async () => {
    // Arrange: 2- and 4-byte characters, so a naive split would cut one in half.
    ses.on(SendEmailCommand).resolves({ MessageId: 'ses-long' });
    const name = 'Ünïcödé 🎉 Tidings Notifications Ünïcödé 🎉 '.repeat(3).trim();
    const sender = new SesEmailSender({ fromAddress: `${name} <no-reply@example.com>`, client });

    // Act
    await sender.send(emailNotification(), context);

    // Assert
    const from = ses.commandCalls(SendEmailCommand)[0]?.args[0].input.FromEmailAddress ?? '';
    const encodedWords = from.replace(/ <no-reply@example\.com>$/, '').split(' ');
    expect(encodedWords.length).toBeGreaterThan(1);
    for (const word of encodedWords) expect(word.length).toBeLessThanOrEqual(75);
    const decoded = decodeWords(from);
    expect(decoded.name).toBe(name);
    for (const word of decoded.words) expect(word).not.toContain('\uFFFD');
    expect(from).toMatch(/^[\x20-\x7E]+$/);
  });

  it('encodes a name holding a line break instead of sending it raw', () => {
    // Act
    const sender = new SesEmailSender({
      fromAddress: 'Tidings\r\nBcc: x@evil.example <no-reply@example.com>',
      client,
    });

    // Assert
    expect(sender.fromAddress).toMatch(/^=\?UTF-8\?B\?[A-Za-z0-9+/=]+\?= <no-reply@example\.com>$/);
  });

  it('sends an address with a punycode domain as it is', () => {
    // Act
    const sender = new SesEmailSender({
      fromAddress: 'Tidings <no-reply@xn--exmple-cua.com>',
      client,
    });

    // Assert
    expect(sender.fromAddress).toBe('Tidings <no-reply@xn--exmple-cua.com>');
  });

  it.each([
    'Tidings <café@example.com>',
    'no-reply@exämple.com',
    'Tidings Café <no-reply@exämple.com>',
  ])('refuses %j, whose address is not ASCII, when it is built', (fromAddress) => {
    // Act
    const error = thrownBy(() => new SesEmailSender({ fromAddress, client }));

    // Assert
    expect(error).toBeInstanceOf(SenderConfigurationError);
    expect(error).toMatchObject({ option: 'fromAddress', permanent: true });
    expect((error as Error).message).toBe(
      `fromAddress must have an ASCII address (SES takes no SMTPUTF8; write an international domain in punycode, xn--...): ${JSON.stringify(fromAddress)}`,
    );
  });
});
