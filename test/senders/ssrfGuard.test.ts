import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SendContext } from '../../lambdas/ports.ts';
import { SsrfBlockedError } from '../../lambdas/senders/errors.ts';
import { blockedRange, embeddedIpv4 } from '../../lambdas/senders/ssrfGuard.ts';
import type { HostLookup, HttpRequestFunction } from '../../lambdas/senders/types.ts';
import { WebhookSender } from '../../lambdas/senders/WebhookSender.ts';
import { EVENT_ID, rejectionOf, webhookNotification } from '../helpers/events.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhookReceiver.ts';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const context: SendContext = {
  eventId: EVENT_ID,
  eventType: 'order.paid',
  notificationId: `${EVENT_ID}:0`,
};

describe('blockedRange', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.1', 'private (10.0.0.0/8)'],
    ['172.16.0.1', 'private (172.16.0.0/12)'],
    ['172.31.255.255', 'private (172.16.0.0/12)'],
    ['192.168.1.5', 'private (192.168.0.0/16)'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'reserved (documentation)'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:10.0.0.1', 'private (10.0.0.0/8), as an IPv4 address embedded in IPv6'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['64:ff9b::c0a8:105', 'private (192.168.0.0/16), as an IPv4'],
    ['64:ff9b::a9fe:a9fe', 'link-local (instance metadata lives here) (169.254.0.0/16), as an'],
    ['2002:a00:1::', 'private (10.0.0.0/8), as an IPv4'],
    ['2002:a9fe:a9fe::1', 'link-local (instance metadata lives here) (169.254.0.0/16), as an'],
    ['::ffff:0:a9fe:a9fe', 'link-local (instance metadata lives here) (169.254.0.0/16), as an'],
    ['::ffff:0:10.0.0.1', 'private (10.0.0.0/8), as an IPv4 address embedded in IPv6'],
    ['::ffff:0:7f00:1', 'loopback (127.0.0.0/8), as an IPv4 address embedded in IPv6'],
    ['64:ff9b:1::a9fe:a9fe', 'reserved (local-use NAT64) (64:ff9b:1::/48)'],
    ['64:ff9b:1:a9:fe:a9:fe00:0', 'reserved (local-use NAT64) (64:ff9b:1::/48)'],
    ['64:ff9b:1::808:808', 'reserved (local-use NAT64) (64:ff9b:1::/48)'],
    ['100.127.255.255', 'carrier-grade NAT (100.64.0.0/10)'],
    ['198.18.0.1', 'reserved (benchmarking) (198.18.0.0/15)'],
    ['198.19.255.255', 'reserved (benchmarking) (198.18.0.0/15)'],
    ['239.255.255.250', 'multicast (224.0.0.0/4)'],
    ['fd00:ec2::254', 'unique-local (fc00::/7)'],
    ['fe80::1%eth0', 'link-local (fe80::/10)'],
  ])('refuses %s as %s', (address, label) => {
    // Act
    const range = blockedRange(address);

    // Assert
    expect(range).toContain(label);
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '64:ff9b::808:808',
    '::ffff:0:808:808',
  ])('lets public address %s through', (address) => {
    // Act
    const range = blockedRange(address);

    // Assert
    expect(range).toBeUndefined();
  });

  it('reads the IPv4 address inside mapped, translated, NAT64 and 6to4 addresses', () => {
    // Act
    const found = [
      '::ffff:7f00:1',
      '::ffff:0:a9fe:a9fe',
      '64:ff9b::808:808',
      '2002:c0a8:105::1',
      '2606:4700::1',
      '::1:ffff:0:a9fe:a9fe',
    ].map(embeddedIpv4);

    // Assert
    expect(found).toEqual([
      '127.0.0.1',
      '169.254.169.254',
      '8.8.8.8',
      '192.168.1.5',
      undefined,
      undefined,
    ]);
  });
});

describe('WebhookSender SSRF guard', () => {
  let receiver: WebhookReceiver;
  // Stands in for the connect path: a refused URL must never reach it (and no packet may
  // leave for a private address from this machine).
  const request = vi.fn<HttpRequestFunction>(() => {
    throw new Error('a connection was attempted');
  });

  beforeEach(async () => {
    receiver = await startWebhookReceiver({ secret: SECRET });
  });

  afterEach(async () => {
    request.mockClear();
    await receiver.stop();
  });

  it.each([
    ['https://10.0.0.1/hook', '10.0.0.1', '10.0.0.1'],
    ['https://169.254.169.254/latest/meta-data/', '169.254.169.254', '169.254.169.254'],
    ['https://[::1]/hook', '::1', '::1'],
    ['https://[fc00::1]/hook', 'fc00::1', 'fc00::1'],
    ['https://[::ffff:169.254.169.254]/', '::ffff:a9fe:a9fe', '::ffff:a9fe:a9fe'],
    ['https://[::ffff:0:169.254.169.254]/', '::ffff:0:a9fe:a9fe', '::ffff:0:a9fe:a9fe'],
    ['https://[::ffff:0:a9fe:a9fe]/', '::ffff:0:a9fe:a9fe', '::ffff:0:a9fe:a9fe'],
    ['https://[64:ff9b:1::a9fe:a9fe]/', '64:ff9b:1::a9fe:a9fe', '64:ff9b:1::a9fe:a9fe'],
    ['https://[64:ff9b::a9fe:a9fe]/', '64:ff9b::a9fe:a9fe', '64:ff9b::a9fe:a9fe'],
    ['https://[2002:a9fe:a9fe::1]/', '2002:a9fe:a9fe::1', '2002:a9fe:a9fe::1'],
    ['https://[fd00:ec2::254]/', 'fd00:ec2::254', 'fd00:ec2::254'],
    ['https://0x7f.1/hook', '127.0.0.1', '127.0.0.1'],
    ['https://127.1/hook', '127.0.0.1', '127.0.0.1'],
    ['https://2130706433/hook', '127.0.0.1', '127.0.0.1'],
    ['https://0177.0.0.1/hook', '127.0.0.1', '127.0.0.1'],
    ['https://0x7f000001/hook', '127.0.0.1', '127.0.0.1'],
    ['https://0.0.0.0/hook', '0.0.0.0', '0.0.0.0'],
    ['https://%31%32%37.0.0.1/hook', '127.0.0.1', '127.0.0.1'],
    ['https://\uFF11\uFF12\uFF17.\uFF10.\uFF10.\uFF11/hook', '127.0.0.1', '127.0.0.1'],
    ['https://127.0.0.1./hook', '127.0.0.1', '127.0.0.1'],
    ['https://hooks.example.com@127.0.0.1/hook', '127.0.0.1', '127.0.0.1'],
    ['https://100.64.0.1/hook', '100.64.0.1', '100.64.0.1'],
    ['https://198.18.0.1/hook', '198.18.0.1', '198.18.0.1'],
    ['https://224.0.0.1/hook', '224.0.0.1', '224.0.0.1'],
  ])('refuses %s before connecting', async (url, host, address) => {
    // Arrange
    const lookup = vi.fn<HostLookup>();
    const webhooks = new WebhookSender({ secret: SECRET, request, lookup });

    // Act
    const error = await rejectionOf(webhooks.send(webhookNotification({ url }), context));

    // Assert
    expect(error).toBeInstanceOf(SsrfBlockedError);
    expect(error).toMatchObject({ channel: 'webhook', reason: 'ssrf-blocked', permanent: true });
    expect((error as Error).message).toContain(`"${host}"`);
    expect((error as Error).message).toContain(address);
    expect(lookup).not.toHaveBeenCalled();
    expect(request).not.toHaveBeenCalled();
  });

  it('refuses a host name that resolves to a private address', async () => {
    // Arrange
    const lookup = vi.fn<HostLookup>(async () => [{ address: '192.168.1.5', family: 4 }]);
    const webhooks = new WebhookSender({ secret: SECRET, request, lookup });

    // Act
    const error = await rejectionOf(
      webhooks.send(webhookNotification({ url: 'https://hooks.example.com/in' }), context),
    );

    // Assert
    expect(error).toBeInstanceOf(SsrfBlockedError);
    expect((error as Error).message).toBe(
      'webhook host "hooks.example.com" resolves to 192.168.1.5, which is private (192.168.0.0/16): refused',
    );
    expect(request).not.toHaveBeenCalled();
  });

  it.each([
    ['64:ff9b:1::a9fe:a9fe', 'reserved (local-use NAT64)'],
    ['::ffff:0:a9fe:a9fe', 'link-local (instance metadata lives here)'],
    ['64:ff9b::a9fe:a9fe', 'link-local (instance metadata lives here)'],
    ['::ffff:a9fe:a9fe', 'link-local (instance metadata lives here)'],
    ['fd00:ec2::254', 'unique-local'],
    ['fe80::1%eth0', 'link-local'],
  ])('refuses a host name that resolves to %s', async (address, label) => {
    // Arrange
    const lookup = vi.fn<HostLookup>(async () => [{ address, family: 6 }]);
    const webhooks = new WebhookSender({ secret: SECRET, request, lookup });

    // Act
    const error = await rejectionOf(
      webhooks.send(webhookNotification({ url: 'https://hooks.example.com/in' }), context),
    );

    // Assert
    expect(error).toBeInstanceOf(SsrfBlockedError);
    expect(error).toMatchObject({ reason: 'ssrf-blocked', permanent: true, address });
    expect((error as Error).message).toContain(label);
    expect(request).not.toHaveBeenCalled();
  });

  it('refuses a host name when any one of its addresses is internal', async () => {
    // Arrange
    const lookup = vi.fn<HostLookup>(async () => [
      { address: '93.184.216.34', family: 4 },
      { address: 'fd00::5', family: 6 },
    ]);
    const webhooks = new WebhookSender({ secret: SECRET, request, lookup });

    // Act
    const error = await rejectionOf(
      webhooks.send(webhookNotification({ url: 'https://hooks.example.com/in' }), context),
    );

    // Assert
    expect(error).toMatchObject({ reason: 'ssrf-blocked', address: 'fd00::5' });
    expect(request).not.toHaveBeenCalled();
  });

  it('refuses 127.0.0.1 without allowLoopback: the listening receiver sees no connection', async () => {
    // Arrange: the real connect path, aimed at a live server that counts connections.
    const port = new URL(receiver.url).port;
    const webhooks = new WebhookSender({ secret: SECRET });

    // Act
    const error = await rejectionOf(
      webhooks.send(webhookNotification({ url: `https://127.0.0.1:${port}/hook` }), context),
    );

    // Assert
    expect(error).toMatchObject({ reason: 'ssrf-blocked', address: '127.0.0.1' });
    expect(receiver.connections).toBe(0);
  });

  it('still refuses private addresses when loopback is allowed', async () => {
    // Arrange
    const lookup = vi.fn<HostLookup>(async () => [{ address: '10.1.2.3', family: 4 }]);
    const webhooks = new WebhookSender({ secret: SECRET, request, lookup, allowLoopback: true });

    // Act
    const error = await rejectionOf(
      webhooks.send(webhookNotification({ url: 'http://localhost:8080/hook' }), context),
    );

    // Assert
    expect(error).toMatchObject({ reason: 'ssrf-blocked', address: '10.1.2.3' });
    expect(request).not.toHaveBeenCalled();
  });

  it('lets a public address through to the connect path', async () => {
    // Arrange: proves the spy above would have seen a connection had the guard let one by.
    const lookup = vi.fn<HostLookup>(async () => [{ address: '93.184.216.34', family: 4 }]);
    const webhooks = new WebhookSender({ secret: SECRET, request, lookup });

    // Act
    const error = await rejectionOf(
      webhooks.send(webhookNotification({ url: 'https://hooks.example.com/in' }), context),
    );

    // Assert
    expect(request).toHaveBeenCalledTimes(1);
    expect(error).toMatchObject({ reason: 'network-error', permanent: false });
  });
});
