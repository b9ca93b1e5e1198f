import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { serviceName } from '../../lambdas/constants.ts';
import { asWebhookSecret } from '../../lambdas/consumer.ts';

describe('asWebhookSecret', () => {
  it('prefixes the bare key Secrets Manager generates so the Standard Webhooks signer accepts it', () => {
    // Arrange: 48 alphanumerics, the shape the CDK construct asks Secrets Manager for
    const generated = 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T0u1V2w3X4';

    // Act
    const secret = asWebhookSecret(`${generated}\n`);

    // Assert
    expect(secret).toBe(`whsec_${generated}`);
    expect(() => new Webhook(secret).sign('id', new Date(0), '{}')).not.toThrow();
  });

  it('keeps a secret that already has the whsec_ prefix as it is', () => {
    expect(asWebhookSecret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toBe(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    );
  });
});

describe('serviceName', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('uses POWERTOOLS_SERVICE_NAME, which the alarms and dashboard filter on', () => {
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'shop-consumer');
    expect(serviceName('consumer')).toBe('shop-consumer');
  });

  it('falls back to tidings-<role> when the variable is unset', () => {
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', '');
    expect(serviceName('relay')).toBe('tidings-relay');
  });
});
