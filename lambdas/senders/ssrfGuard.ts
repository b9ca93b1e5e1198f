import { BlockList, isIP } from 'node:net';
import { SendError } from '../notifications/errors.ts';
import { SsrfBlockedError } from './errors.ts';
import type { HostLookup, ResolvedAddress } from './types.ts';

const LOOPBACK = 'loopback';

/** Ranges a webhook may never reach, each with the label an error names. */
const RANGES: readonly (readonly [cidr: string, label: string])[] = [
  ['0.0.0.0/8', 'unspecified ("this network")'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'carrier-grade NAT'],
  ['127.0.0.0/8', LOOPBACK],
  ['169.254.0.0/16', 'link-local (instance metadata lives here)'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved (IETF protocol assignments)'],
  ['192.0.2.0/24', 'reserved (documentation)'],
  ['192.88.99.0/24', 'reserved (6to4 relay anycast)'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved (benchmarking)'],
  ['198.51.100.0/24', 'reserved (documentation)'],
  ['203.0.113.0/24', 'reserved (documentation)'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved (incl. broadcast)'],
  ['::/128', 'unspecified'],
  ['::1/128', LOOPBACK],
  ['::/96', 'reserved (IPv4-compatible)'],
  // RFC 8215 local-use NAT64: the operator picks the prefix length, and with it where the IPv4
  // address sits (RFC 6052), so it cannot be read back reliably. No AWS NAT64 uses it (NAT
  // gateways translate 64:ff9b::/96, judged by the address it carries).
  ['64:ff9b:1::/48', 'reserved (local-use NAT64)'],
  ['100::/64', 'reserved (discard-only)'],
  ['2001::/32', 'reserved (Teredo)'],
  ['2001:db8::/32', 'reserved (documentation)'],
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'reserved (site-local)'],
  ['ff00::/8', 'multicast'],
];

interface BlockedRange {
  readonly list: BlockList;
  readonly family: 'ipv4' | 'ipv6';
  readonly cidr: string;
  readonly label: string;
}

let blockLists: readonly BlockedRange[] | undefined;

/**
 * The ranges as `BlockList`s, built on the first check rather than at import: building them
 * compiles Node's IPv6 pattern, a few milliseconds of every consumer cold start otherwise,
 * and most consumers send no webhook in their first invocation.
 */
function rangeLists(): readonly BlockedRange[] {
  blockLists ??= RANGES.map(([cidr, label]) => {
    const [network = '', prefix = ''] = cidr.split('/');
    const family = isIP(network) === 6 ? ('ipv6' as const) : ('ipv4' as const);
    const list = new BlockList();
    list.addSubnet(network, Number(prefix), family);
    return { list, family, cidr, label };
  });
  return blockLists;
}

/** The 16 bytes of an IPv6 address, or undefined when it is not one. */
function ipv6Bytes(address: string): number[] | undefined {
  const bare = address.split('%')[0] ?? '';
  if (isIP(bare) !== 6) return undefined;
  let text = bare;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (v4) {
    const [a = 0, b = 0, c = 0, d = 0] = v4.split('.').map(Number);
    text = `${text.slice(0, -v4.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.flatMap((group) => {
    const value = Number.parseInt(group, 16);
    return [value >> 8, value & 0xff];
  });
}

/**
 * The IPv4 address an IPv6 address carries and routes to: IPv4-mapped (`::ffff:a.b.c.d`),
 * IPv4-translated (SIIT, RFC 2765: `::ffff:0:a.b.c.d`), NAT64 (`64:ff9b::/96`) and 6to4
 * (`2002::/16`). Such an address reaches the IPv4 host, so it is judged as that host.
 */
export function embeddedIpv4(address: string): string | undefined {
  const bytes = ipv6Bytes(address);
  if (!bytes) return undefined;
  const zeros = (from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);
  let v4: number[] | undefined;
  if (zeros(0, 10) && bytes[10] === 0xff && bytes[11] === 0xff) v4 = bytes.slice(12);
  else if (zeros(0, 8) && bytes[8] === 0xff && bytes[9] === 0xff && zeros(10, 12))
    v4 = bytes.slice(12);
  else if (
    bytes[0] === 0x00 &&
    bytes[1] === 0x64 &&
    bytes[2] === 0xff &&
    bytes[3] === 0x9b &&
    zeros(4, 12)
  )
    v4 = bytes.slice(12);
  else if (bytes[0] === 0x20 && bytes[1] === 0x02) v4 = bytes.slice(2, 6);
  return v4?.join('.');
}

/**
 * Why a webhook must not connect to `address`: the label and range it falls in, e.g.
 * `private (10.0.0.0/8)`, or undefined for a public address. Addresses that embed an IPv4
 * address are judged by it (`::ffff:10.0.0.1` is private).
 */
export function blockedRange(address: string): string | undefined {
  const bare = address.split('%')[0] ?? '';
  const family = isIP(bare);
  if (family === 0) return 'not an IP address';
  const v4 = family === 6 ? embeddedIpv4(bare) : undefined;
  if (v4) {
    const inner = blockedRange(v4);
    if (inner) return `${inner}, as an IPv4 address embedded in IPv6`;
  }
  const type = family === 6 ? 'ipv6' : 'ipv4';
  const hit = rangeLists().find((range) => range.family === type && range.list.check(bare, type));
  return hit ? `${hit.label} (${hit.cidr})` : undefined;
}

/** Whether `address` is loopback (`127.0.0.0/8`, `::1`, or IPv4 loopback mapped into IPv6). */
export function isLoopbackAddress(address: string): boolean {
  return blockedRange(address)?.startsWith(LOOPBACK) ?? false;
}

/** Options of `resolveWebhookTarget`. */
export interface WebhookTargetOptions {
  readonly lookup: HostLookup;
  /** Allow loopback addresses, and plain http to them. Local runs and tests only. */
  readonly allowLoopback: boolean;
}

/**
 * Resolves a webhook URL's host to every address it has and refuses the URL if any of them is
 * loopback (unless allowed), private, link-local, unique-local, CGNAT, unspecified, multicast
 * or reserved; plain http is refused unless every address is an allowed loopback. Returns the
 * address to connect to: the caller must connect to exactly that one, so a second DNS answer
 * (rebinding) cannot swap in another.
 *
 * @throws SsrfBlockedError (permanent) naming the host and the refused address.
 * @throws SendError (permanent, `insecure-url`) for plain http that is not to allowed loopback.
 * @throws whatever `lookup` throws (a DNS failure): the caller classifies it.
 */
export async function resolveWebhookTarget(
  url: URL,
  options: WebhookTargetOptions,
): Promise<ResolvedAddress> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(host);
  const addresses: readonly ResolvedAddress[] =
    family === 4 || family === 6 ? [{ address: host, family }] : await options.lookup(host);
  const first = addresses[0];
  if (!first) {
    throw new SendError({
      channel: 'webhook',
      reason: 'ENOTFOUND',
      permanent: false,
      message: `webhook host "${host}" resolved to no address`,
    });
  }
  for (const { address } of addresses) {
    const range = blockedRange(address);
    if (range && !(options.allowLoopback && isLoopbackAddress(address))) {
      throw new SsrfBlockedError(host, address, range);
    }
  }
  if (url.protocol === 'http:' && !addresses.every(({ address }) => isLoopbackAddress(address))) {
    throw new SendError({
      channel: 'webhook',
      reason: 'insecure-url',
      permanent: true,
      message: `webhook url must be https (http only to loopback): ${JSON.stringify(url.href)}`,
    });
  }
  return first;
}
