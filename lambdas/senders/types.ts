import type { ClientRequest, IncomingMessage } from 'node:http';
import type { RequestOptions } from 'node:https';
import type { SendContext, SendResult } from '../ports.ts';

/** Sends the notifications of one channel; `composeSenders` joins three into `NotificationSenders`. */
export interface ChannelSender<N> {
  /** Sends one notification; failures are `SendError`s whose `permanent` says whether to retry. */
  send(notification: N, context: SendContext): Promise<SendResult>;
}

/**
 * How a sender gets its AWS client: a ready one, or a factory called on the first send (so a
 * consumer that never sends on a channel never builds its client). Neither: the module's
 * shared default client, also built on the first send.
 */
export type ClientSource<C> =
  | { readonly client: C; readonly clientFactory?: never }
  | { readonly client?: never; readonly clientFactory?: () => C | Promise<C> };

/** One address a host name resolves to. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to every address it has (like `dns.promises.lookup` with `all`). */
export type HostLookup = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/**
 * Opens an HTTP(S) request; the default picks `https.request` or `http.request` by the URL's
 * protocol. Injected in tests to prove that a refused URL never reaches a connection.
 */
export type HttpRequestFunction = (
  url: URL,
  options: RequestOptions,
  onResponse: (response: IncomingMessage) => void,
) => ClientRequest;
