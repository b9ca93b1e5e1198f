import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request the receiver got, and whether its Standard Webhooks signature verified. */
export interface ReceivedWebhook {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** `Webhook.verify` passed with the receiver's secret. */
  readonly verified: boolean;
  /** Why verification failed, when it did. */
  readonly verifyError?: string;
}

/** How the receiver answers. */
export interface WebhookReply {
  /** @default 200 */
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Wait this long before answering. @default 0 */
  readonly delayMs?: number;
  /** Then stream this many 1 KiB chunks, one every 5 ms, stopping early if the client leaves. */
  readonly streamChunks?: number;
}

/** A loopback HTTP server that records and verifies signed webhooks. */
export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly requests: ReceivedWebhook[];
  /** TCP connections accepted, including ones that sent no complete request. */
  readonly connections: number;
  /** Streamed chunks written so far (see `streamChunks`). */
  readonly chunksWritten: number;
  /** Sets how later requests are answered: a fixed reply, or one per request. */
  reply(reply: WebhookReply | ((request: ReceivedWebhook) => WebhookReply)): void;
  /** Closes the server and every open connection. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a webhook receiver on 127.0.0.1 (a free port) that verifies each request with
 * `secret` and answers as `reply` says. For tests and local runs.
 *
 * @example
 * const receiver = await startWebhookReceiver({ secret });
 * receiver.reply({ status: 429, headers: { 'retry-after': '30' } });
 */
export async function startWebhookReceiver(options: {
  readonly secret: string;
  readonly reply?: WebhookReply;
}): Promise<WebhookReceiver> {
  const verifier = new Webhook(options.secret);
  const requests: ReceivedWebhook[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let reply: WebhookReply | ((request: ReceivedWebhook) => WebhookReply) = options.reply ?? {};
  let connections = 0;
  let chunksWritten = 0;

  const later = (ms: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const answer = (res: ServerResponse, how: WebhookReply) => {
    res.writeHead(how.status ?? 200, how.headers);
    let left = how.streamChunks ?? 0;
    const next = () => {
      if (left <= 0 || res.destroyed) return void res.end(how.body);
      left--;
      chunksWritten++;
      res.write(Buffer.alloc(1024, 'x'));
      later(5, next);
    };
    next();
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let verifyError: string | undefined;
      try {
        verifier.verify(body, req.headers as Record<string, string>);
      } catch (error) {
        verifyError = error instanceof Error ? error.message : String(error);
      }
      const received: ReceivedWebhook = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        verified: verifyError === undefined,
        ...(verifyError === undefined ? {} : { verifyError }),
      };
      requests.push(received);
      const how = typeof reply === 'function' ? reply(received) : reply;
      later(how.delayMs ?? 0, () => answer(res, how));
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get connections() {
      return connections;
    },
    get chunksWritten() {
      return chunksWritten;
    },
    reply(next) {
      reply = next;
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
