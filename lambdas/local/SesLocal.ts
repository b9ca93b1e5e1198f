import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalServiceCallError, LocalServiceStartError } from './DynamoDbLocal.ts';
import { loadSesLocal } from './optionalPeers.ts';

/** An email as SES local stored it (its `GET /store` shape). */
export interface LocalEmail {
  readonly messageId: string;
  readonly from: string;
  readonly replyTo: readonly string[];
  readonly destination: {
    readonly to: readonly string[];
    readonly cc: readonly string[];
    readonly bcc: readonly string[];
  };
  readonly subject: string;
  readonly body: { readonly html?: string; readonly text?: string };
  readonly attachments: readonly {
    readonly content: string;
    readonly contentType: string;
    readonly filename?: string;
    readonly size: number;
  }[];
  readonly headers?: readonly { readonly name: string; readonly value: string }[];
  /** When it was received, epoch seconds. */
  readonly at: number;
}

/** Options of `startSesLocal`. */
export interface SesLocalOptions {
  /** @default a free port chosen by the OS on 127.0.0.1 */
  readonly port?: number;
}

/** Reads the mail an SES local received, through its HTTP API. */
export interface SesLocalMailbox {
  /** Every email received, oldest first; with `sinceEpochSeconds`, those received since. */
  fetchEmails(options?: { readonly sinceEpochSeconds?: number }): Promise<LocalEmail[]>;
  /** Forgets every email (and template) received so far. */
  clear(): Promise<void>;
}

/** A running SES v2 stand-in and a window onto the mail it received. */
export interface SesLocal extends SesLocalMailbox {
  /** `http://127.0.0.1:<port>`, for an `SESv2Client`'s `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  /** Milliseconds from start to the first health-check answer. */
  readonly startupMs: number;
  /** Closes the server. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The mailbox of an SES local already running at `endpoint` (`GET /store`,
 * `POST /clear-store`), e.g. the one a test run's global setup started.
 * Its methods throw LocalServiceCallError on an HTTP error status.
 */
export function sesLocalMailbox(endpoint: string): SesLocalMailbox {
  return {
    async fetchEmails(options = {}) {
      const since = options.sinceEpochSeconds;
      const url = `${endpoint}/store${since === undefined ? '' : `?since=${Math.floor(since)}`}`;
      const response = await fetch(url);
      if (!response.ok) throw new LocalServiceCallError('SES local', `GET ${url}`, response.status);
      const store = (await response.json()) as { emails?: LocalEmail[] };
      return store.emails ?? [];
    },
    async clear() {
      const response = await fetch(`${endpoint}/clear-store`, { method: 'POST' });
      if (!response.ok) {
        throw new LocalServiceCallError(
          'SES local',
          `POST ${endpoint}/clear-store`,
          response.status,
        );
      }
    },
  };
}

type StartServer = (config?: { host?: string; port?: number }) => Promise<Server>;

/**
 * The server function of `aws-ses-v2-local`, an optional peer loaded on the first start. The
 * package is CommonJS with `exports.default`; depending on the loader the default import is
 * the function or the exports object holding it.
 */
async function startServerFunction(): Promise<StartServer> {
  const { default: sesLocalModule } = await loadSesLocal('startSesLocal');
  const candidate = sesLocalModule as StartServer | { default?: StartServer };
  const start = typeof candidate === 'function' ? candidate : candidate.default;
  if (typeof start !== 'function') {
    throw new LocalServiceStartError(
      'SES local',
      'aws-ses-v2-local exports no server function',
      '',
    );
  }
  return start;
}

/**
 * Starts `aws-ses-v2-local` (a local SES v1/v2 API) in this process on 127.0.0.1, for
 * `SESv2Client({ endpoint })` in local runs and tests, and reads sent mail back through its
 * HTTP API (see `sesLocalMailbox`). Takes a few milliseconds.
 *
 * The package keeps its mailbox in a module-level store, so every instance started in one
 * process shares one mailbox; tests tell their mail apart by recipient or `clear()` first.
 *
 * @throws MissingPeerDependencyError when the `aws-ses-v2-local` package is not installed.
 * @throws LocalServiceStartError when the server does not answer its health check.
 * @example
 * const ses = await startSesLocal();
 * const client = new SESv2Client({ ...LOCAL_AWS_CONFIG, endpoint: ses.endpoint });
 */
export async function startSesLocal(options: SesLocalOptions = {}): Promise<SesLocal> {
  const startServer = await startServerFunction();
  const started = performance.now();
  const server = await startServer({ host: '127.0.0.1', port: options.port ?? 0 });
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
    return stopped;
  };
  const health = await fetch(`${endpoint}/health-check`).catch((error: unknown) => error);
  if (!(health instanceof Response) || !health.ok) {
    await stop();
    throw new LocalServiceStartError(
      'SES local',
      `no answer from ${endpoint}/health-check`,
      health instanceof Response ? `HTTP ${health.status}` : String(health),
    );
  }
  return {
    endpoint,
    port,
    startupMs: Math.round(performance.now() - started),
    ...sesLocalMailbox(endpoint),
    stop,
  };
}
