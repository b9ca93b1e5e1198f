import {
  type ClientRequest,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  validateHeaderName,
  validateHeaderValue,
} from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { Clock } from '../events/ids.ts';
import { SendError } from '../notifications/errors.ts';
import type { SendContext, SendResult, WebhookNotification } from '../ports.ts';
import { classifyWebhookError, classifyWebhookResponse } from './classifyWebhookResponse.ts';
import { WebhookDefaults, WebhookHeader } from './constants.ts';
import { SenderConfigurationError } from './errors.ts';
import { memoizeWithMaxAge } from './memoizeWithMaxAge.ts';
import { parseRetryAfter } from './parseRetryAfter.ts';
import { resolveWebhookTarget } from './ssrfGuard.ts';
import type { ChannelSender, HostLookup, HttpRequestFunction, ResolvedAddress } from './types.ts';

/**
 * The Standard Webhooks signing secret (`whsec_` + base64 of 24 or more bytes), or several:
 * while a secret is rotated, every webhook carries a signature by each (the new one first), so
 * receivers verify with either.
 */
export type WebhookSecrets = string | readonly string[];

/** Options of `WebhookSender`. */
export interface WebhookSenderOptions {
  /**
   * The signing secret or secrets, or a loader for them (from Secrets Manager, say: see
   * `parseWebhookSecret`), called on the first send and again once what it gave is
   * `secretMaxAgeMs` old, so a rotation reaches a warm consumer.
   */
  readonly secret: WebhookSecrets | (() => Promise<WebhookSecrets>);
  /**
   * How long secrets from a loader are used before it is called again. A reload that fails
   * transiently keeps the last secrets a while longer (a tenth of this) before trying again.
   * @default WebhookDefaults.SECRET_MAX_AGE_MS (5 minutes)
   */
  readonly secretMaxAgeMs?: number;
  /** Time for DNS, connect, TLS and the response together; expiry is transient. @default 10_000 */
  readonly timeoutMs?: number;
  /** Bytes of a response body read at most. @default 4096 */
  readonly maxResponseBytes?: number;
  /** Allow loopback receivers, and plain http to them: local runs and tests only. @default false */
  readonly allowLoopback?: boolean;
  /** @default `dns.promises.lookup` with `all: true` */
  readonly lookup?: HostLookup;
  /** @default `https.request` or `http.request` by protocol */
  readonly request?: HttpRequestFunction;
  /** The signing time, and the age of loaded secrets, epoch ms. @default Date.now */
  readonly clock?: Clock;
}

/** Headers a notification's own headers cannot set: the signature's and the framing's. */
const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  WebhookHeader.ID,
  WebhookHeader.TIMESTAMP,
  WebhookHeader.SIGNATURE,
  'content-type',
  'content-length',
  'transfer-encoding',
  'connection',
  'host',
]);

const MIN_SECRET_BYTES = 24;

/** The Standard Webhooks signers for the secrets, the first one first. */
function signersFor(secrets: WebhookSecrets): readonly Webhook[] {
  const list = typeof secrets === 'string' ? [secrets] : [...new Set(secrets)];
  if (list.length === 0) {
    throw new SenderConfigurationError('secret', 'webhook secret list is empty');
  }
  return list.map(signerFor);
}

/** The Standard Webhooks signer for a secret; the message never shows the secret itself. */
function signerFor(secret: string): Webhook {
  const key = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : undefined;
  const bytes =
    key !== undefined && /^[A-Za-z0-9+/]+={0,2}$/.test(key) ? Buffer.from(key, 'base64').length : 0;
  if (bytes < MIN_SECRET_BYTES) {
    throw new SenderConfigurationError(
      'secret',
      `webhook secret must be "whsec_" followed by base64 of at least ${MIN_SECRET_BYTES} bytes (got ${
        key === undefined ? 'no whsec_ prefix' : `${bytes} decodable bytes`
      })`,
    );
  }
  return new Webhook(secret);
}

// Node's DNS module is loaded on the first webhook, not at import: most consumers send none in
// their first invocation, and loading it is most of a millisecond of every cold start.
const defaultLookup: HostLookup = async (hostname) => {
  const { lookup } = await import('node:dns/promises');
  const addresses = await lookup(hostname, { all: true, verbatim: true });
  return addresses.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

const defaultRequest: HttpRequestFunction = (url, options, onResponse) =>
  url.protocol === 'https:'
    ? httpsRequest(url, options, onResponse)
    : httpRequest(url, options, onResponse);

/** A lookup for `http.request` that only ever answers the address the guard checked. */
function pinnedLookup(target: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
}

function permanentError(reason: string, message: string, cause?: unknown): SendError {
  return new SendError({ channel: 'webhook', reason, permanent: true, message, cause });
}

/** What one request got back. */
interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** The sender's deadline passed; turned into a transient `timeout` SendError. */
class TimeoutSignal extends Error {}

/** `promise`, or a TimeoutSignal rejection once `signal` aborts (a DNS lookup cannot be cancelled). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new TimeoutSignal());
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Sends webhook notifications: an HTTPS POST of the JSON payload signed per Standard Webhooks
 * (`webhook-id` is the notification id, the same on every retry, so receivers can dedupe).
 * Before connecting, the host is resolved and refused if any address is internal (SSRF
 * guard); the connection then goes to exactly the checked address. Redirects are not
 * followed, at most `maxResponseBytes` of a response are read, and the whole exchange is
 * bounded by `timeoutMs`.
 *
 * @example
 * const webhooks = new WebhookSender({ secret: () => loadSecret(arn) });
 * await webhooks.send({ kind: 'webhook', url: 'https://hooks.example.com/in', payload }, context);
 */
export class WebhookSender implements ChannelSender<WebhookNotification> {
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly allowLoopback: boolean;
  readonly #signers: () => Promise<readonly Webhook[]>;
  readonly #lookup: HostLookup;
  readonly #request: HttpRequestFunction;
  readonly #clock: Clock;

  /**
   * @throws SenderConfigurationError for a given secret that is not `whsec_` base64 of 24+
   *   bytes (or an empty list), or a timeout or response limit that is not a positive integer.
   * @throws RangeError for a `secretMaxAgeMs` that is not a positive number.
   */
  constructor(options: WebhookSenderOptions) {
    this.timeoutMs = options.timeoutMs ?? WebhookDefaults.TIMEOUT_MS;
    this.maxResponseBytes = options.maxResponseBytes ?? WebhookDefaults.MAX_RESPONSE_BYTES;
    for (const [option, value] of [
      ['timeoutMs', this.timeoutMs],
      ['maxResponseBytes', this.maxResponseBytes],
    ] as const) {
      if (!Number.isSafeInteger(value) || value <= 0) {
        throw new SenderConfigurationError(
          option,
          `${option} must be a positive integer: ${value}`,
        );
      }
    }
    this.allowLoopback = options.allowLoopback ?? false;
    this.#clock = options.clock ?? Date.now;
    const { secret } = options;
    if (typeof secret === 'function') {
      // What the loader gave is cached, not its signers: a loaded value that is not a valid
      // secret then fails every send permanently, rather than only the first after a reload.
      const loaded = memoizeWithMaxAge(secret, {
        maxAgeMs: options.secretMaxAgeMs ?? WebhookDefaults.SECRET_MAX_AGE_MS,
        clock: this.#clock,
      });
      let last: { secrets: WebhookSecrets; signers: readonly Webhook[] } | undefined;
      this.#signers = async () => {
        const secrets = await loaded();
        if (last?.secrets !== secrets) last = { secrets, signers: signersFor(secrets) };
        return last.signers;
      };
    } else {
      const signers = signersFor(secret);
      this.#signers = () => Promise.resolve(signers);
    }
    this.#lookup = options.lookup ?? defaultLookup;
    this.#request = options.request ?? defaultRequest;
  }

  /**
   * Posts one webhook.
   * @returns `{}`: receivers have no message id to give back.
   * @throws SsrfBlockedError before any connection when the host resolves to an internal address.
   * @throws WebhookHttpError for a non-2xx answer, classified by `classifyWebhookResponse`.
   * @throws SendError for anything else: a bad URL, payload or header (permanent), a secret
   *   that cannot be loaded or a network failure or timeout (transient).
   */
  async send(notification: WebhookNotification, context: SendContext): Promise<SendResult> {
    const url = this.#parseUrl(notification.url);
    const host = url.hostname;
    const body = this.#serialize(notification.payload, context);
    const signers = await this.#loadSigners();
    const headers = this.#headers(notification.headers, signers, context.notificationId, body);

    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.timeoutMs);
    try {
      let response: RawResponse;
      try {
        const target = await untilAborted(
          resolveWebhookTarget(url, { lookup: this.#lookup, allowLoopback: this.allowLoopback }),
          deadline.signal,
        );
        response = await this.#post(url, target, headers, body, deadline.signal);
      } catch (error) {
        if (error instanceof TimeoutSignal) {
          throw new SendError({
            channel: 'webhook',
            reason: 'timeout',
            permanent: false,
            message: `webhook to "${host}" timed out after ${this.timeoutMs} ms`,
          });
        }
        throw classifyWebhookError(error, host);
      }
      const retryAfter = response.headers['retry-after'];
      const failure = classifyWebhookResponse({
        host,
        status: response.status,
        retryAfterSeconds: parseRetryAfter(
          Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
          this.#clock(),
        ),
        location: response.headers.location,
        responseBody: response.body.toString('utf8'),
      });
      if (failure) throw failure;
      return {};
    } finally {
      clearTimeout(timer);
    }
  }

  #parseUrl(value: string): URL {
    let url: URL;
    try {
      url = new URL(value);
    } catch (cause) {
      throw permanentError(
        'invalid-url',
        `webhook url is not a URL: ${JSON.stringify(value)}`,
        cause,
      );
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.allowLoopback)) {
      throw permanentError('insecure-url', `webhook url must be https: ${JSON.stringify(value)}`);
    }
    return url;
  }

  #serialize(payload: unknown, context: SendContext): string {
    let body: string | undefined;
    try {
      body = JSON.stringify(payload);
    } catch (cause) {
      throw permanentError(
        'invalid-payload',
        `webhook payload of notification ${context.notificationId} is not JSON-serialisable`,
        cause,
      );
    }
    if (body === undefined) {
      throw permanentError(
        'invalid-payload',
        `webhook payload of notification ${context.notificationId} serialises to nothing (${typeof payload})`,
      );
    }
    return body;
  }

  async #loadSigners(): Promise<readonly Webhook[]> {
    try {
      return await this.#signers();
    } catch (error) {
      if (error instanceof SenderConfigurationError) {
        throw permanentError('invalid-secret', error.message, error);
      }
      throw new SendError({
        channel: 'webhook',
        reason: 'secret-unavailable',
        permanent: false,
        message: `webhook signing secret could not be loaded: ${error instanceof Error ? error.message : String(error)}`,
        cause: error,
      });
    }
  }

  #headers(
    own: Readonly<Record<string, string>> | undefined,
    signers: readonly Webhook[],
    id: string,
    body: string,
  ): Record<string, string> {
    const headers: Record<string, string> = { 'user-agent': WebhookDefaults.USER_AGENT };
    for (const [name, value] of Object.entries(own ?? {})) {
      try {
        validateHeaderName(name);
        validateHeaderValue(name, value);
      } catch (cause) {
        throw permanentError(
          'invalid-header',
          `webhook header ${JSON.stringify(name)} is not a valid HTTP header`,
          cause,
        );
      }
      const lower = name.toLowerCase();
      if (!RESERVED_HEADERS.has(lower)) headers[lower] = value;
    }
    const now = new Date(this.#clock());
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
    headers[WebhookHeader.ID] = id;
    headers[WebhookHeader.TIMESTAMP] = String(Math.floor(now.getTime() / 1000));
    // Standard Webhooks: space-separated signatures, one per secret; a receiver accepts the
    // webhook when any of them verifies with its secret.
    headers[WebhookHeader.SIGNATURE] = signers
      .map((signer) => signer.sign(id, now, body))
      .join(' ');
    return headers;
  }

  /**
   * One POST to the checked address. Rejects with TimeoutSignal when `signal` aborts before the
   * status line; an abort while reading a failed answer's body keeps what was read.
   *
   * Longer than the other functions on the consumer path, and kept whole: it is one promise
   * around one request, whose abort, response and error handlers share `settled`, `request`
   * and `finishBody`; split apart, that state would have to be passed around and kept in step.
   */
  #post(
    url: URL,
    target: ResolvedAddress,
    headers: Record<string, string>,
    body: string,
    signal: AbortSignal,
  ): Promise<RawResponse> {
    const hostIsIp = isIP(url.hostname.replace(/^\[(.*)\]$/, '$1')) !== 0;
    return new Promise<RawResponse>((resolve, reject) => {
      let settled = false;
      let request: ClientRequest | undefined;
      let finishBody: (() => void) | undefined;
      const onAbort = () => {
        // A deadline during the body of a failed answer still reports the status.
        if (finishBody) finishBody();
        else settle(() => reject(new TimeoutSignal()));
      };
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        outcome();
        request?.destroy();
      };
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      const options: RequestOptions = {
        method: 'POST',
        headers,
        // A fresh connection each time: a pooled socket would skip the address check.
        agent: false,
        lookup: pinnedLookup(target),
        family: target.family,
        ...(url.protocol === 'https:' && !hostIsIp ? { servername: url.hostname } : {}),
      };
      const onResponse = (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          // Success needs no body; reading one could only run into the deadline.
          settle(() => resolve({ status, headers: response.headers, body: Buffer.alloc(0) }));
          response.destroy();
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        finishBody = () => {
          settle(() => resolve({ status, headers: response.headers, body: Buffer.concat(chunks) }));
          response.destroy();
        };
        response.on('data', (chunk: Buffer) => {
          const room = this.maxResponseBytes - size;
          if (room > 0) {
            const part = chunk.subarray(0, room);
            chunks.push(part);
            size += part.length;
          }
          if (size >= this.maxResponseBytes) finishBody?.();
        });
        response.on('end', () => finishBody?.());
        response.on('error', () => finishBody?.());
        response.on('close', () => finishBody?.());
      };
      try {
        request = this.#request(url, options, onResponse);
      } catch (error) {
        settle(() => reject(error));
        return;
      }
      request.on('error', (error) => settle(() => reject(error)));
      request.end(body);
    });
  }
}
