import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Env } from '../../lambdas/constants.ts';
import { sendersFromEnv, webhookSecretMaxAgeMsFromEnv } from '../../lambdas/consumer.ts';
import { EVENT_ID, rejectionOf } from '../helpers/events.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhookReceiver.ts';

const secretsManager = mockClient(SecretsManagerClient);
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:tidings-webhook-AbCdEf';
/** 48 alphanumerics: the shape of the key the CDK construct asks Secrets Manager for. */
const GENERATED_KEY = 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T0u1V2w3X4';

let receiver: WebhookReceiver | undefined;

afterEach(async () => {
  secretsManager.reset();
  vi.unstubAllEnvs();
  await receiver?.stop();
  receiver = undefined;
});

describe('sendersFromEnv', () => {
  it('signs webhooks with the secret it reads from Secrets Manager on the first webhook', async () => {
    // Arrange: a loopback receiver that verifies with the key Secrets Manager holds.
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.stubEnv(Env.FROM_ADDRESS, 'no-reply@example.com');
    vi.stubEnv(Env.WEBHOOK_SECRET_ARN, SECRET_ARN);
    vi.stubEnv(Env.ALLOW_LOOPBACK_WEBHOOKS, 'true');
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: GENERATED_KEY });
    receiver = await startWebhookReceiver({ secret: `whsec_${GENERATED_KEY}` });
    const senders = sendersFromEnv();
    const context = { eventId: EVENT_ID, eventType: 'user.registered', notificationId: 'n-1' };
    const notification = { kind: 'webhook', url: `${receiver.url}/hooks`, payload: {} } as const;

    // Act
    await senders.sendWebhook(notification, context);
    await senders.sendWebhook(notification, context);

    // Assert
    expect(receiver.requests.map((r) => [r.verified, r.verifyError])).toEqual([
      [true, undefined],
      [true, undefined],
    ]);
    expect(secretsManager).toHaveReceivedCommandExactlyOnceWith(GetSecretValueCommand, {
      SecretId: SECRET_ARN,
    });
  });

  it('fails the webhook, without a request, when the secret has no string value', async () => {
    // Arrange
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.stubEnv(Env.FROM_ADDRESS, 'no-reply@example.com');
    vi.stubEnv(Env.WEBHOOK_SECRET_ARN, SECRET_ARN);
    vi.stubEnv(Env.ALLOW_LOOPBACK_WEBHOOKS, 'true');
    secretsManager.on(GetSecretValueCommand).resolves({});
    receiver = await startWebhookReceiver({ secret: `whsec_${GENERATED_KEY}` });
    const senders = sendersFromEnv();
    const context = { eventId: EVENT_ID, eventType: 'user.registered', notificationId: 'n-1' };

    // Act
    const error = await rejectionOf(
      senders.sendWebhook({ kind: 'webhook', url: `${receiver.url}/hooks`, payload: {} }, context),
    );

    // Assert
    expect(String(error)).toContain(`secret ${SECRET_ARN} has no string value`);
    expect(receiver.connections).toBe(0);
  });

  it('signs with both secrets while Secrets Manager holds the rotation form, and rereads it after its max age', async () => {
    // Arrange: the stored value moves from the old key to the pair; receivers on either key verify.
    const oldKey = GENERATED_KEY;
    const newKey = 'Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2H1g0F9e8D7c6';
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    vi.stubEnv(Env.FROM_ADDRESS, 'no-reply@example.com');
    vi.stubEnv(Env.WEBHOOK_SECRET_ARN, SECRET_ARN);
    vi.stubEnv(Env.ALLOW_LOOPBACK_WEBHOOKS, 'true');
    vi.stubEnv(Env.WEBHOOK_SECRET_MAX_AGE_SECONDS, '1');
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: oldKey })
      .resolves({ SecretString: JSON.stringify({ current: newKey, previous: oldKey }) });
    receiver = await startWebhookReceiver({ secret: `whsec_${oldKey}` });
    const senders = sendersFromEnv();
    const context = { eventId: EVENT_ID, eventType: 'user.registered', notificationId: 'n-1' };
    const notification = { kind: 'webhook', url: `${receiver.url}/hooks`, payload: {} } as const;

    // Act
    await senders.sendWebhook(notification, context);
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    await senders.sendWebhook(notification, context);

    // Assert
    const [before, during] = receiver.requests;
    expect(String(before?.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(String(during?.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(receiver.requests.map((r) => r.verified)).toEqual([true, true]);
    const { Webhook } = await import('standardwebhooks');
    const headers = Object.fromEntries(
      Object.entries(during?.headers ?? {}).map(([name, value]) => [name, String(value)]),
    );
    expect(() => new Webhook(`whsec_${newKey}`).verify(during?.body ?? '', headers)).not.toThrow();
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });
});

describe('webhookSecretMaxAgeMsFromEnv', () => {
  it('reads seconds from TIDINGS_WEBHOOK_SECRET_MAX_AGE_SECONDS as ms, undefined when unset', () => {
    expect(webhookSecretMaxAgeMsFromEnv({ [Env.WEBHOOK_SECRET_MAX_AGE_SECONDS]: '60' })).toBe(
      60_000,
    );
    expect(webhookSecretMaxAgeMsFromEnv({})).toBeUndefined();
  });

  it.each(['0', '1.5', 'soon', '86401'])('refuses %s, naming the variable', (raw) => {
    expect(() =>
      webhookSecretMaxAgeMsFromEnv({ [Env.WEBHOOK_SECRET_MAX_AGE_SECONDS]: raw }),
    ).toThrow(
      `environment variable ${Env.WEBHOOK_SECRET_MAX_AGE_SECONDS} must be an integer from 1 to 86400: "${raw}"`,
    );
  });
});
