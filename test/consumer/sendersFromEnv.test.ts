import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Env } from '../../lambdas/constants.ts';
import { sendersFromEnv } from '../../lambdas/consumer.ts';
import { SsrfBlockedError } from '../../lambdas/senders/errors.ts';
import { EVENT_ID, rejectionOf } from '../helpers/events.ts';

const secretsManager = mockClient(SecretsManagerClient);
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:tidings-webhook-AbCdEf';
/** 48 alphanumerics: the shape of the key the CDK construct asks Secrets Manager for. */
const GENERATED_KEY = 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T0u1V2w3X4';

afterEach(() => {
  secretsManager.reset();
  vi.unstubAllEnvs();
});

describe('sendersFromEnv', () => {
  it('signs webhooks with the secret it reads from Secrets Manager on the first webhook', async () => {
    // Arrange
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.stubEnv(Env.FROM_ADDRESS, 'no-reply@example.com');
    vi.stubEnv(Env.WEBHOOK_SECRET_ARN, SECRET_ARN);
    vi.stubEnv(Env.ALLOW_LOOPBACK_WEBHOOKS, undefined);
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: GENERATED_KEY });
    const senders = sendersFromEnv();
    const context = { eventId: EVENT_ID, eventType: 'user.registered', notificationId: 'n-1' };
    // A private address: refused after the secret is loaded and before any connection.
    const notification = { kind: 'webhook', url: 'https://10.0.0.1/hooks', payload: {} } as const;

    // Act
    const first = await rejectionOf(senders.sendWebhook(notification, context));
    const second = await rejectionOf(senders.sendWebhook(notification, context));

    // Assert
    expect(first).toBeInstanceOf(SsrfBlockedError);
    expect(second).toBeInstanceOf(SsrfBlockedError);
    expect(secretsManager).toHaveReceivedCommandExactlyOnceWith(GetSecretValueCommand, {
      SecretId: SECRET_ARN,
    });
  });

  it('fails the webhook, without a request, when the secret has no string value', async () => {
    // Arrange
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.stubEnv(Env.FROM_ADDRESS, 'no-reply@example.com');
    vi.stubEnv(Env.WEBHOOK_SECRET_ARN, SECRET_ARN);
    secretsManager.on(GetSecretValueCommand).resolves({});
    const senders = sendersFromEnv();
    const context = { eventId: EVENT_ID, eventType: 'user.registered', notificationId: 'n-1' };

    // Act
    const error = await rejectionOf(
      senders.sendWebhook({ kind: 'webhook', url: 'https://10.0.0.1/hooks', payload: {} }, context),
    );

    // Assert
    expect(String(error)).toContain(`secret ${SECRET_ARN} has no string value`);
  });
});
