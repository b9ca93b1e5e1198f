import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SendError } from '../../lambdas/notifications/errors.ts';
import type { SendContext } from '../../lambdas/ports.ts';
import { SenderConfigurationError, WebhookHttpError } from '../../lambdas/senders/errors.ts';
import type { HostLookup } from '../../lambdas/senders/types.ts';
import { WebhookSender, type WebhookSenderOptions } from '../../lambdas/senders/WebhookSender.ts';
import { EVENT_ID, rejectionOf, thrownBy, webhookNotification } from '../helpers/events.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhookReceiver.ts';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const OTHER_SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
const context: SendContext = {
  eventId: EVENT_ID,
  eventType: 'order.paid',
  notificationId: `${EVENT_ID}:2`,
};

let receiver: WebhookReceiver;

beforeEach(async () => {
  receiver = await startWebhookReceiver({ secret: SECRET });
});

afterEach(async () => {
  await receiver.stop();
});

function sender(options: Partial<WebhookSenderOptions> = {}): WebhookSender {
  return new WebhookSender({ secret: SECRET, allowLoopback: true, timeoutMs: 2_000, ...options });
}

const hook = (path = '/hook') => webhookNotification({ url: `${receiver.url}${path}` });

describe('WebhookSender', () => {
  it('posts the JSON payload signed so the receiver verifies it, with the notification id', async () => {
    // Arrange
    const notification = webhookNotification({
      url: `${receiver.url}/hook`,
      payload: { orderId: 'o-1', total: 42 },
      headers: { 'X-Tenant': 'acme', 'Webhook-Id': 'forged', 'content-type': 'text/plain' },
    });

    // Act
    const result = await sender().send(notification, context);

    // Assert
    expect(result).toEqual({});
    const [request] = receiver.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/hook', verified: true });
    expect(request?.body).toBe('{"orderId":"o-1","total":42}');
    expect(request?.headers['webhook-id']).toBe(context.notificationId);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['x-tenant']).toBe('acme');
  });

  it('signs with the id the receiver can dedupe on: the same on a second send', async () => {
    // Arrange
    const webhooks = sender();

    // Act
    await webhooks.send(hook(), context);
    await webhooks.send(hook(), context);

    // Assert
    expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual([
      context.notificationId,
      context.notificationId,
    ]);
    expect(receiver.requests.every((r) => r.verified)).toBe(true);
  });

  it('produces a signature that another secret does not verify', async () => {
    // Arrange
    const webhooks = sender({ secret: OTHER_SECRET });

    // Act
    await webhooks.send(hook(), context);

    // Assert
    expect(receiver.requests[0]?.verified).toBe(false);
    expect(receiver.requests[0]?.verifyError).toMatch(/signature/i);
  });

  it('signs with the sender clock as webhook-timestamp', async () => {
    // Arrange
    const now = Date.now() - 60_000;
    const webhooks = sender({ clock: () => now });

    // Act
    await webhooks.send(hook(), context);

    // Assert
    expect(receiver.requests[0]?.headers['webhook-timestamp']).toBe(String(Math.floor(now / 1000)));
    expect(receiver.requests[0]?.verified).toBe(true);
  });

  it('loads a secret from its loader once and reuses it', async () => {
    // Arrange
    const loader = vi.fn(async () => SECRET);
    const webhooks = sender({ secret: loader });

    // Act
    await webhooks.send(hook(), context);
    await webhooks.send(hook(), context);

    // Assert
    expect(loader).toHaveBeenCalledTimes(1);
    expect(receiver.requests.every((r) => r.verified)).toBe(true);
  });

  it('fails transiently when the secret cannot be loaded, and loads it again next time', async () => {
    // Arrange
    const loader = vi
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce(new Error('Secrets Manager unavailable'))
      .mockResolvedValue(SECRET);
    const webhooks = sender({ secret: loader });

    // Act
    const first = await rejectionOf(webhooks.send(hook(), context));
    await webhooks.send(hook(), context);

    // Assert
    expect(first).toMatchObject({ reason: 'secret-unavailable', permanent: false });
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]?.verified).toBe(true);
  });

  it('fails permanently when a loaded secret is not a whsec_ secret', async () => {
    // Arrange
    const webhooks = sender({ secret: async () => 'hunter2' });

    // Act
    const error = await rejectionOf(webhooks.send(hook(), context));

    // Assert
    expect(error).toMatchObject({ reason: 'invalid-secret', permanent: true });
    expect((error as Error).message).not.toContain('hunter2');
    expect(receiver.connections).toBe(0);
  });

  it.each([
    ['no prefix', Buffer.alloc(32, 1).toString('base64')],
    ['too short', `whsec_${Buffer.alloc(8, 1).toString('base64')}`],
    ['not base64', 'whsec_not base64!'],
  ])('refuses a string secret with %s when it is built, without echoing it', (_, secret) => {
    // Act
    const error = thrownBy(() => new WebhookSender({ secret }));

    // Assert
    expect(error).toBeInstanceOf(SenderConfigurationError);
    expect((error as Error).message).not.toContain(secret);
  });

  it.each([
    [500, 'http-500', false, {}, undefined],
    [503, 'http-503', false, { 'retry-after': '7' }, 7],
    [429, 'http-429', false, { 'retry-after': '120' }, 120],
    [408, 'http-408', false, {}, undefined],
    [410, 'gone', true, {}, undefined],
    [404, 'http-404', true, {}, undefined],
    [400, 'http-400', true, {}, undefined],
  ])(
    'fails a %i answer with reason %s, permanent %s',
    async (status, reason, permanent, headers, retryAfterSeconds) => {
      // Arrange
      receiver.reply({ status, headers, body: 'nope' });

      // Act
      const error = await rejectionOf(sender().send(hook(), context));

      // Assert
      expect(error).toBeInstanceOf(WebhookHttpError);
      expect(error).toMatchObject({ channel: 'webhook', status, reason, permanent });
      expect((error as SendError).retryAfterSeconds).toBe(retryAfterSeconds);
      expect((error as WebhookHttpError).responseBody).toBe('nope');
    },
  );

  it('reads an HTTP-date Retry-After against the sender clock', async () => {
    // Arrange
    const now = Math.floor(Date.now() / 1000) * 1000;
    const at = new Date(now + 90_000).toUTCString();
    receiver.reply({ status: 429, headers: { 'retry-after': at } });

    // Act
    const error = await rejectionOf(sender({ clock: () => now }).send(hook(), context));

    // Assert
    expect(error).toMatchObject({ reason: 'http-429', permanent: false });
    expect((error as SendError).retryAfterSeconds).toBe(90);
  });

  it('does not follow a redirect: permanent, and the target is never hit', async () => {
    // Arrange
    receiver.reply((request) =>
      request.path === '/hook'
        ? { status: 301, headers: { location: `${receiver.url}/moved` } }
        : { status: 200 },
    );

    // Act
    const error = await rejectionOf(sender().send(hook(), context));

    // Assert
    expect(error).toMatchObject({ reason: 'redirect', permanent: true, status: 301 });
    expect((error as Error).message).toContain('/moved');
    expect(receiver.requests.map((r) => r.path)).toEqual(['/hook']);
  });

  it('gives up on a slow receiver after timeoutMs, transiently', async () => {
    // Arrange
    receiver.reply({ status: 200, delayMs: 3_000 });
    const started = Date.now();

    // Act
    const error = await rejectionOf(sender({ timeoutMs: 150 }).send(hook(), context));

    // Assert
    expect(error).toMatchObject({ channel: 'webhook', reason: 'timeout', permanent: false });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  describe('with no timeoutMs given', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('gives up on a receiver that never answers at 10 s, not before, transiently', async () => {
      // Arrange: a receiver that takes the request and never answers.
      let arrived: () => void = () => {};
      const requestArrived = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      const silent = createServer(() => arrived());
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as AddressInfo;
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const webhooks = new WebhookSender({ secret: SECRET, allowLoopback: true });
      const settle = () => new Promise((resolve) => setImmediate(resolve));
      let outcome: unknown;

      // Act: the deadline starts with the send.
      const sending = webhooks
        .send(webhookNotification({ url: `http://127.0.0.1:${port}/hook` }), context)
        .then(
          () => {
            outcome = 'sent';
          },
          (error: unknown) => {
            outcome = error;
          },
        );
      try {
        await requestArrived;
        await vi.advanceTimersByTimeAsync(9_900);
        await settle();
        const before = outcome;
        await vi.advanceTimersByTimeAsync(100);
        await settle();

        // Assert
        expect(before).toBeUndefined();
        expect(outcome).toMatchObject({
          channel: 'webhook',
          reason: 'timeout',
          permanent: false,
          message: 'webhook to "127.0.0.1" timed out after 10000 ms',
        });
      } finally {
        silent.closeAllConnections();
        await sending;
        await new Promise((resolve) => silent.close(resolve));
      }
    });
  });

  it('reads no more than maxResponseBytes of a failed answer and hangs up', async () => {
    // Arrange: 400 KiB trickled over 2 s, far past the limit.
    receiver.reply({ status: 500, streamChunks: 400 });
    const started = Date.now();

    // Act
    const error = await rejectionOf(
      sender({ maxResponseBytes: 4096, timeoutMs: 5_000 }).send(hook(), context),
    );

    // Assert
    expect(error).toMatchObject({ reason: 'http-500', permanent: false });
    expect((error as WebhookHttpError).responseBody).toHaveLength(4096);
    expect(Date.now() - started).toBeLessThan(1_500);
    await vi.waitFor(() => expect(receiver.chunksWritten).toBeGreaterThan(0));
    const written = receiver.chunksWritten;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.chunksWritten - written).toBeLessThanOrEqual(1);
    expect(receiver.chunksWritten).toBeLessThan(400);
  });

  it('treats a 2xx as sent without reading its body', async () => {
    // Arrange
    receiver.reply({ status: 202, streamChunks: 400 });
    const started = Date.now();

    // Act
    const result = await sender({ timeoutMs: 5_000 }).send(hook(), context);

    // Assert
    expect(result).toEqual({});
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('connects to exactly the address the lookup gave, keeping the host name', async () => {
    // Arrange: a name no resolver knows, so only the checked address can be reached.
    const lookup = vi.fn<HostLookup>(async () => [{ address: '127.0.0.1', family: 4 }]);
    const port = new URL(receiver.url).port;
    const notification = webhookNotification({ url: `http://hooks.tidings.test:${port}/in` });

    // Act
    await sender({ lookup }).send(notification, context);

    // Assert
    expect(lookup).toHaveBeenCalledTimes(1);
    expect(lookup).toHaveBeenCalledWith('hooks.tidings.test');
    expect(receiver.requests[0]?.headers.host).toBe(`hooks.tidings.test:${port}`);
    expect(receiver.requests[0]?.verified).toBe(true);
  });

  it("resolves a host name with Node's resolver when given no lookup", async () => {
    // Arrange: localhost comes from the hosts file, so no network is needed.
    const port = new URL(receiver.url).port;
    const notification = webhookNotification({ url: `http://localhost:${port}/in` });

    // Act
    const result = await sender().send(notification, context);

    // Assert
    expect(result).toEqual({});
    expect(receiver.requests[0]?.headers.host).toBe(`localhost:${port}`);
    expect(receiver.requests[0]?.verified).toBe(true);
  });

  it('fails transiently when nothing listens', async () => {
    // Arrange
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));

    // Act
    const error = await rejectionOf(
      sender().send(webhookNotification({ url: `http://127.0.0.1:${port}/hook` }), context),
    );

    // Assert
    expect(error).toMatchObject({ reason: 'ECONNREFUSED', permanent: false });
  });

  it('fails transiently when the host does not resolve', async () => {
    // Arrange
    const lookup: HostLookup = () =>
      Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }));

    // Act
    const error = await rejectionOf(
      sender({ lookup }).send(webhookNotification({ url: 'https://nowhere.test/' }), context),
    );

    // Assert
    expect(error).toMatchObject({ reason: 'ENOTFOUND', permanent: false });
  });

  it.each([
    ['a header that is not HTTP', { headers: { 'bad header': 'x' } }, 'invalid-header'],
    ['a payload that is not JSON', { payload: { n: 1n } }, 'invalid-payload'],
    ['a url that is not a URL', { url: 'not a url' }, 'invalid-url'],
    ['an http url off loopback', { url: 'http://hooks.example.com/' }, 'insecure-url'],
  ])('refuses %s permanently without connecting', async (_, overrides, reason) => {
    // Arrange
    const request = vi.fn(() => {
      throw new Error('a connection was attempted');
    });
    const lookup = vi.fn<HostLookup>(async () => [{ address: '93.184.216.34', family: 4 }]);

    // Act
    const error = await rejectionOf(
      sender({ request, lookup }).send({ ...hook(), ...overrides }, context),
    );

    // Assert
    expect(error).toMatchObject({ reason, permanent: true });
    expect(request).not.toHaveBeenCalled();
  });

  it('refuses plain http even to loopback unless allowLoopback is set', async () => {
    // Act
    const error = await rejectionOf(sender({ allowLoopback: false }).send(hook(), context));

    // Assert
    expect(error).toMatchObject({ reason: 'insecure-url', permanent: true });
    expect(receiver.connections).toBe(0);
  });
});

describe('WebhookSender secret rotation', () => {
  /** What the receiver got, as `Webhook.verify` takes it. */
  function received(index = 0) {
    const request = receiver.requests[index];
    if (!request) throw new Error(`no request #${index}`);
    const headers = Object.fromEntries(
      ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => [
        name,
        String(request.headers[name]),
      ]),
    );
    return { body: request.body, headers, signature: headers['webhook-signature'] ?? '' };
  }

  /** Whether the standardwebhooks library accepts the request with `secret`. */
  function verifies(secret: string, index = 0): boolean {
    const { body, headers } = received(index);
    try {
      new Webhook(secret).verify(body, headers);
      return true;
    } catch {
      return false;
    }
  }

  const THIRD_SECRET = `whsec_${Buffer.alloc(32, 11).toString('base64')}`;

  it('signs with both secrets during a rotation: each signature verifies with its own secret', async () => {
    // Arrange
    const webhooks = sender({ secret: [OTHER_SECRET, SECRET] });

    // Act
    await webhooks.send(hook(), context);

    // Assert
    const { signature } = received();
    expect(signature).toMatch(/^v1,[A-Za-z0-9+/=]+ v1,[A-Za-z0-9+/=]+$/);
    expect(verifies(OTHER_SECRET)).toBe(true);
    expect(verifies(SECRET)).toBe(true);
    expect(verifies(THIRD_SECRET)).toBe(false);
    expect(receiver.requests[0]?.verified).toBe(true);
  });

  it('carries one signature for a single secret', async () => {
    // Act
    await sender({ secret: SECRET }).send(hook(), context);

    // Assert
    const { signature } = received();
    expect(signature.split(' ')).toHaveLength(1);
    expect(signature).toMatch(/^v1,/);
    expect(verifies(SECRET)).toBe(true);
  });

  it('signs once for a secret given twice', async () => {
    // Act
    await sender({ secret: [SECRET, SECRET] }).send(hook(), context);

    // Assert
    expect(received().signature.split(' ')).toHaveLength(1);
  });

  it('refuses an empty list of secrets when it is built', () => {
    // Act
    const error = thrownBy(() => new WebhookSender({ secret: [] }));

    // Assert
    expect(error).toBeInstanceOf(SenderConfigurationError);
    expect((error as Error).message).toBe('webhook secret list is empty');
  });

  it('refuses a rotation pair whose second secret is invalid, without echoing it', () => {
    // Act
    const error = thrownBy(() => new WebhookSender({ secret: [SECRET, 'whsec_short'] }));

    // Assert
    expect(error).toBeInstanceOf(SenderConfigurationError);
    expect((error as Error).message).not.toContain('whsec_short');
  });

  it('reads the secret again once it is secretMaxAgeMs old, by the injected clock', async () => {
    // Arrange: the loader answers the old secret, then the pair, then the new one alone.
    let now = Date.now();
    const loader = vi
      .fn<() => Promise<string | readonly string[]>>()
      .mockResolvedValueOnce(SECRET)
      .mockResolvedValueOnce([OTHER_SECRET, SECRET])
      .mockResolvedValue(OTHER_SECRET);
    const webhooks = sender({ secret: loader, secretMaxAgeMs: 60_000, clock: () => now });

    // Act
    await webhooks.send(hook(), context);
    now += 59_999;
    await webhooks.send(hook(), context);
    now += 1;
    await webhooks.send(hook(), context);
    now += 60_000;
    await webhooks.send(hook(), context);

    // Assert
    expect(loader).toHaveBeenCalledTimes(3);
    expect(
      receiver.requests.map((_, i) => [verifies(SECRET, i), verifies(OTHER_SECRET, i)]),
    ).toEqual([
      [true, false],
      [true, false],
      [true, true],
      [false, true],
    ]);
  });

  it('reads the secret again after 5 minutes by default', async () => {
    // Arrange
    let now = Date.now();
    const loader = vi.fn(async () => SECRET);
    const webhooks = sender({ secret: loader, clock: () => now });

    // Act
    await webhooks.send(hook(), context);
    now += 5 * 60_000 - 1;
    await webhooks.send(hook(), context);
    const before = loader.mock.calls.length;
    now += 1;
    await webhooks.send(hook(), context);

    // Assert
    expect(before).toBe(1);
    expect(loader).toHaveBeenCalledTimes(2);
  });

  it('keeps signing with the last secret when a reload fails transiently, and tries again later', async () => {
    // Arrange
    let now = Date.now();
    const loader = vi
      .fn<() => Promise<string>>()
      .mockResolvedValueOnce(SECRET)
      .mockRejectedValueOnce(new Error('Secrets Manager unavailable'))
      .mockResolvedValue(OTHER_SECRET);
    const webhooks = sender({ secret: loader, secretMaxAgeMs: 60_000, clock: () => now });
    await webhooks.send(hook(), context);

    // Act: the reload fails; a tenth of the age later it is tried again.
    now += 60_000;
    await webhooks.send(hook(), context);
    now += 5_999;
    await webhooks.send(hook(), context);
    now += 1;
    await webhooks.send(hook(), context);

    // Assert
    expect(loader).toHaveBeenCalledTimes(3);
    expect(receiver.requests.map((_, i) => verifies(OTHER_SECRET, i))).toEqual([
      false,
      false,
      false,
      true,
    ]);
  });

  it('fails permanently, never connecting, once a reload gives an invalid secret', async () => {
    // Arrange
    let now = Date.now();
    const loader = vi
      .fn<() => Promise<string>>()
      .mockResolvedValueOnce(SECRET)
      .mockResolvedValue('hunter2');
    const webhooks = sender({ secret: loader, secretMaxAgeMs: 60_000, clock: () => now });
    await webhooks.send(hook(), context);

    // Act
    now += 60_000;
    const error = await rejectionOf(webhooks.send(hook(), context));

    // Assert
    expect(error).toMatchObject({ reason: 'invalid-secret', permanent: true });
    expect((error as Error).message).not.toContain('hunter2');
    expect(receiver.requests).toHaveLength(1);
  });
});
