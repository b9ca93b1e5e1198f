import {
  AuthorizationErrorException,
  EndpointDisabledException,
  InternalErrorException,
  InvalidParameterException,
  InvalidParameterValueException,
  KMSThrottlingException,
  NotFoundException,
  PublishCommand,
  SNSClient,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidNotificationError, SendError } from '../../lambdas/notifications/errors.ts';
import { validateNotification } from '../../lambdas/notifications/validateNotification.ts';
import type { SendContext } from '../../lambdas/ports.ts';
import { classifySnsError } from '../../lambdas/senders/classifySnsError.ts';
import { isSnsEndpointArn, SnsPushSender } from '../../lambdas/senders/SnsPushSender.ts';
import { EVENT_ID, pushNotification, rejectionOf } from '../helpers/events.ts';

const sns = mockClient(SNSClient);
const client = new SNSClient({ region: 'us-east-1' });
const context: SendContext = {
  eventId: EVENT_ID,
  eventType: 'user.registered',
  notificationId: `${EVENT_ID}:1`,
};
const ENDPOINT =
  'arn:aws:sns:eu-west-1:123456789012:endpoint/GCM/tidings-app/5a1e7f1c-0d1b-3c44-9a2b-7f6e5d4c3b2a';
const metadata = { $metadata: { httpStatusCode: 400 } };

afterEach(() => {
  sns.reset();
});

describe('SnsPushSender', () => {
  it('publishes one JSON message per platform to the endpoint and returns the message id', async () => {
    // Arrange
    sns.on(PublishCommand).resolves({ MessageId: 'sns-1' });
    const sender = new SnsPushSender({ client });

    // Act
    const result = await sender.send(
      pushNotification({ deviceToken: ENDPOINT, data: { orderId: 'o-1' } }),
      context,
    );

    // Assert
    const apns = JSON.stringify({
      aps: { alert: { title: 'Hello', body: 'Hi Ada' } },
      data: { orderId: 'o-1' },
    });
    const expected = {
      TargetArn: ENDPOINT,
      MessageStructure: 'json',
      Message: JSON.stringify({
        default: 'Hi Ada',
        APNS: apns,
        APNS_SANDBOX: apns,
        GCM: JSON.stringify({
          fcmV1Message: {
            message: {
              notification: { title: 'Hello', body: 'Hi Ada' },
              data: { orderId: 'o-1' },
            },
          },
        }),
      }),
    };
    expect(sns).toHaveReceivedCommandExactlyOnceWith(PublishCommand, expected);
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input).toEqual(expected);
    expect(result).toEqual({ providerMessageId: 'sns-1' });
  });

  it('leaves data out of every platform message when the push has none', async () => {
    // Arrange
    sns.on(PublishCommand).resolves({ MessageId: 'sns-2' });
    const sender = new SnsPushSender({ client });

    // Act
    await sender.send(pushNotification({ deviceToken: ENDPOINT }), context);

    // Assert
    const message = JSON.parse(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '{}');
    expect(JSON.parse(message.APNS)).toEqual({
      aps: { alert: { title: 'Hello', body: 'Hi Ada' } },
    });
    expect(JSON.parse(message.GCM)).toEqual({
      fcmV1Message: { message: { notification: { title: 'Hello', body: 'Hi Ada' } } },
    });
  });

  it.each([
    'fcm-registration-token-abc123',
    'arn:aws:sns:us-east-1:123456789012:my-topic',
    'arn:aws:sns:us-east-1:123456789012:app/GCM/tidings-app',
  ])('refuses device token %j before calling SNS', async (deviceToken) => {
    // Arrange
    const sender = new SnsPushSender({ client });

    // Act
    const error = await rejectionOf(sender.send(pushNotification({ deviceToken }), context));

    // Assert
    expect(error).toBeInstanceOf(SendError);
    expect(error).toMatchObject({
      channel: 'push',
      reason: 'invalid-endpoint-arn',
      permanent: true,
    });
    expect((error as Error).message).toContain(deviceToken);
    expect(sns).not.toHaveReceivedAnyCommand();
  });

  it('accepts endpoint ARNs of other partitions', () => {
    // Act
    const accepted = isSnsEndpointArn(
      'arn:aws-cn:sns:cn-north-1:123456789012:endpoint/APNS_SANDBOX/app/abc-123',
    );

    // Assert
    expect(accepted).toBe(true);
  });

  it('builds no client until the first send, then reuses it', async () => {
    // Arrange
    sns.on(PublishCommand).resolves({ MessageId: 'sns-3' });
    const clientFactory = vi.fn(() => new SNSClient({ region: 'us-east-1' }));
    const sender = new SnsPushSender({ clientFactory });
    const before = clientFactory.mock.calls.length;

    // Act
    await sender.send(pushNotification({ deviceToken: ENDPOINT }), context);
    await sender.send(pushNotification({ deviceToken: ENDPOINT }), context);

    // Assert
    expect(before).toBe(0);
    expect(clientFactory).toHaveBeenCalledTimes(1);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 2);
  });

  it('asks a failed client factory again on the next send', async () => {
    // Arrange
    sns.on(PublishCommand).resolves({ MessageId: 'sns-4' });
    const clientFactory = vi
      .fn<() => SNSClient>()
      .mockImplementationOnce(() => {
        throw new Error('no credentials yet');
      })
      .mockImplementation(() => new SNSClient({ region: 'us-east-1' }));
    const sender = new SnsPushSender({ clientFactory });

    // Act
    const first = await rejectionOf(
      sender.send(pushNotification({ deviceToken: ENDPOINT }), context),
    );
    const second = await sender.send(pushNotification({ deviceToken: ENDPOINT }), context);

    // Assert
    expect(first).toMatchObject({ channel: 'push', permanent: false });
    expect(second.providerMessageId).toBe('sns-4');
  });

  it('throws the classified SendError with the SDK error as its cause', async () => {
    // Arrange
    const disabled = new EndpointDisabledException({
      message: 'Endpoint is disabled',
      ...metadata,
    });
    sns.on(PublishCommand).rejects(disabled);
    const sender = new SnsPushSender({ client });

    // Act
    const error = await rejectionOf(
      sender.send(pushNotification({ deviceToken: ENDPOINT }), context),
    );

    // Assert
    expect(error).toMatchObject({
      channel: 'push',
      reason: 'EndpointDisabledException',
      permanent: true,
    });
    expect((error as SendError).cause).toBe(disabled);
  });
});

function sdkError(name: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), { name, ...extra });
}

describe('classifySnsError', () => {
  it.each([
    [
      'EndpointDisabledException',
      new EndpointDisabledException({ message: 'x', ...metadata }),
      true,
    ],
    ['EndpointDisabled', sdkError('EndpointDisabled', { $fault: 'client' }), true],
    [
      'InvalidParameterException',
      new InvalidParameterException({ message: 'x', ...metadata }),
      true,
    ],
    [
      'InvalidParameterValueException',
      new InvalidParameterValueException({ message: 'x', ...metadata }),
      true,
    ],
    ['NotFoundException', new NotFoundException({ message: 'x', ...metadata }), true],
    [
      'AuthorizationErrorException',
      new AuthorizationErrorException({ message: 'x', ...metadata }),
      true,
    ],
    ['ThrottledException', new ThrottledException({ message: 'x', ...metadata }), false],
    ['KMSThrottlingException', new KMSThrottlingException({ message: 'x', ...metadata }), false],
    ['InternalErrorException', new InternalErrorException({ message: 'x', ...metadata }), false],
    ['Unmodelled', sdkError('Unmodelled', { $metadata: { httpStatusCode: 502 } }), false],
    ['ECONNREFUSED', Object.assign(new Error('connect refused'), { code: 'ECONNREFUSED' }), false],
    ['TimeoutError', sdkError('TimeoutError'), false],
  ])('classifies %s as permanent=%s', (reason, error, permanent) => {
    // Act
    const classified = classifySnsError(error);

    // Assert
    expect(classified).toMatchObject({ channel: 'push', reason, permanent });
    expect(classified.cause).toBe(error);
  });
});

describe('SnsPushSender payload size', () => {
  it('refuses a push over 4 KB with InvalidNotificationError before calling SNS', async () => {
    // Arrange
    const sender = new SnsPushSender({ client });

    // Act
    const error = await rejectionOf(
      sender.send(
        pushNotification({ deviceToken: ENDPOINT, title: 'T'.repeat(256), body: 'b'.repeat(4096) }),
        context,
      ),
    );

    // Assert
    expect(error).toBeInstanceOf(InvalidNotificationError);
    expect(error).toMatchObject({ kind: 'push', permanent: true });
    expect((error as Error).message).toContain(
      'title, body and data make a 4392-byte APNs payload, over the 4096 bytes APNs accepts',
    );
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it('publishes the payloads validation measured: 4,096 bytes at the limit', async () => {
    // Arrange
    sns.on(PublishCommand).resolves({ MessageId: 'sns-limit' });
    const sender = new SnsPushSender({ client });
    const notification = pushNotification({
      deviceToken: ENDPOINT,
      title: 'T',
      body: 'b'.repeat(4027),
    });

    // Act
    await sender.send(notification, context);

    // Assert
    const message = JSON.parse(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '{}');
    expect(Buffer.byteLength(message.GCM, 'utf8')).toBe(4096);
    expect(Buffer.byteLength(message.APNS, 'utf8')).toBe(4068);
    expect(validateNotification(notification)).toBe(notification);
  });
});
