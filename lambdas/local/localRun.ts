import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeError, TidingsError } from '../errors.ts';
import type { IntegrationEvent } from '../events/types.ts';
import {
  type NotificationsDefinition,
  requireNotifications,
} from '../notifications/defineNotifications.ts';
import type { RecordedSend } from '../notifications/RecordingSenders.ts';
import type { Notification } from '../notifications/types.ts';
import type { StageOptions } from '../outbox/defineOutbox.ts';
import {
  createDynamoDbLocalPipeline,
  createMemoryPipeline,
  type LocalPipeline,
} from './LocalPipeline.ts';

/** The usage of `tidings local`. */
export const LOCAL_USAGE = `Usage: tidings local <module> --event <file.json> [options]

Stages the events of <file.json> with the notifications exported by <module>, relays them on
the mock queue, runs the consumer and prints every notification the routes produced, as it
would be sent. Nothing reaches AWS.

  <module>              your notifications module (.ts needs tsx installed, .js/.mjs runs as is)
  --event <file.json>   one event or an array: { "eventType": "...", "payload": { ... } },
                        optionally with "eventId", "correlationId", "causationId",
                        "orderingKey", "traceparent"
  --export <name>       the module's export made by defineNotifications (default: notifications)
  --dynamodb-local      run on DynamoDB Local and SES local instead of in memory (needs Java 17+)
  --help                this text

Exit codes: 0 every event staged and its notifications sent; 1 an event was refused (its typed
error is printed) or a notification was dead-lettered (with its reason); 2 bad arguments or
files, or the local services could not start (a package to install is named).`;

/**
 * A `tidings local` call the command line cannot run: a missing or unreadable file, an event
 * file that is not events, a module without the export. Permanent.
 */
export class LocalRunUsageError extends TidingsError {
  readonly permanent = true;
}

/** A parsed `tidings local` call. */
export interface LocalRunCommand {
  readonly module: string;
  readonly eventFile: string;
  readonly exportName: string;
  readonly dynamodbLocal: boolean;
}

/**
 * Reads `tidings local`'s arguments.
 * @returns the command, or `'help'` for `--help`.
 * @throws LocalRunUsageError naming what is missing or unknown.
 */
export function parseLocalRunArgs(argv: readonly string[]): LocalRunCommand | 'help' {
  let module: string | undefined;
  let eventFile: string | undefined;
  let exportName = 'notifications';
  let dynamodbLocal = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) {
        throw new LocalRunUsageError(`${arg} needs a value`);
      }
      return next;
    };
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--event') eventFile = value();
    else if (arg === '--export') exportName = value();
    else if (arg === '--dynamodb-local') dynamodbLocal = true;
    else if (arg.startsWith('--')) throw new LocalRunUsageError(`unknown option ${arg}`);
    else if (module === undefined) module = arg;
    else throw new LocalRunUsageError(`unexpected argument ${JSON.stringify(arg)}`);
  }
  if (!module) throw new LocalRunUsageError('name your notifications module');
  if (!eventFile) throw new LocalRunUsageError('name an event file with --event <file.json>');
  return { module, eventFile, exportName, dynamodbLocal };
}

/** One event of an event file. */
export interface LocalEventInput extends StageOptions {
  readonly eventType: string;
  readonly payload: unknown;
}

/**
 * The events of an event file: one object or an array of them, each with a string
 * `eventType` and a `payload`.
 * @throws LocalRunUsageError naming the entry that is not an event.
 */
export function parseEventFile(text: string, file: string): LocalEventInput[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new LocalRunUsageError(`${file} is not JSON: ${describeError(error)}`, { cause: error });
  }
  const entries = Array.isArray(parsed) ? parsed : [parsed];
  if (entries.length === 0) throw new LocalRunUsageError(`${file} holds no event`);
  return entries.map((entry, index) => {
    const where = Array.isArray(parsed) ? `${file}[${index}]` : file;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new LocalRunUsageError(`${where} must be an object with eventType and payload`);
    }
    const { eventType, payload, ...metadata } = entry as Record<string, unknown>;
    if (typeof eventType !== 'string' || !eventType) {
      throw new LocalRunUsageError(`${where} needs an "eventType" string`);
    }
    if (!('payload' in entry)) throw new LocalRunUsageError(`${where} needs a "payload"`);
    for (const [key, value] of Object.entries(metadata)) {
      if (!STAGE_OPTION_KEYS.has(key)) {
        throw new LocalRunUsageError(
          `${where} has an unknown field "${key}"; besides eventType and payload it may hold ${[...STAGE_OPTION_KEYS].join(', ')}`,
        );
      }
      if (typeof value !== 'string')
        throw new LocalRunUsageError(`${where}.${key} must be a string`);
    }
    return { eventType, payload, ...(metadata as StageOptions) };
  });
}

const STAGE_OPTION_KEYS = new Set([
  'eventId',
  'correlationId',
  'causationId',
  'orderingKey',
  'traceparent',
]);

/**
 * Imports a team's notifications module and returns its definition. JavaScript is imported as
 * is; TypeScript too where the process already runs it (under tsx, vitest), else through tsx's
 * API, an optional peer dependency.
 * @throws LocalRunUsageError when the file is missing, tsx is needed and not installed, or the
 *   export is not what `defineNotifications` returns.
 */
export async function loadNotificationsModule(
  path: string,
  exportName = 'notifications',
): Promise<NotificationsDefinition> {
  const file = resolve(path);
  const url = pathToFileURL(file).href;
  let module: Record<string, unknown>;
  try {
    module = await importModule(file, url);
  } catch (error) {
    if (error instanceof LocalRunUsageError) throw error;
    throw new LocalRunUsageError(`cannot load ${path}: ${describeError(error)}`, {
      cause: error,
    });
  }
  if (!(exportName in module)) {
    const exported = Object.keys(module).join(', ') || 'nothing';
    throw new LocalRunUsageError(
      `${path} has no export "${exportName}" (it exports ${exported}); name it with --export`,
    );
  }
  try {
    return requireNotifications(module[exportName], `${path} export "${exportName}"`);
  } catch (error) {
    throw new LocalRunUsageError(describeError(error).replace(/^TypeError: /, ''), {
      cause: error,
    });
  }
}

async function importModule(file: string, url: string): Promise<Record<string, unknown>> {
  if (!['.ts', '.mts', '.cts'].includes(extname(file))) return import(url);
  try {
    return await import(url);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
  }
  let tsx: { tsImport(specifier: string, parent: string): Promise<Record<string, unknown>> };
  try {
    tsx = await import('tsx/esm/api');
  } catch (error) {
    throw new LocalRunUsageError(
      `loading the TypeScript module ${file} needs tsx: npm install --save-dev tsx (or pass the compiled .js)`,
      { cause: error },
    );
  }
  return tsx.tsImport(url, import.meta.url);
}

/** Where `tidings local` writes. */
export interface LocalRunIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** Options of {@link runLocalEvents}, for tests. */
export interface RunLocalEventsOptions {
  /** @default the in-memory pipeline, or DynamoDB Local with `--dynamodb-local` */
  readonly pipeline?: (notifications: NotificationsDefinition) => Promise<LocalPipeline>;
}

/**
 * `tidings local`: stages each event of the file with the module's outbox, delivers them
 * through the relay, the mock queue and the consumer, and prints each notification as it would
 * be sent, then anything dead-lettered with its reason.
 * @returns the exit code: 0 all sent, 1 an event refused or a notification dead-lettered, 2 bad
 *   arguments or files.
 */
export async function runLocalEvents(
  argv: readonly string[],
  io: LocalRunIo,
  options: RunLocalEventsOptions = {},
): Promise<number> {
  let command: LocalRunCommand | 'help';
  let notifications: NotificationsDefinition;
  let events: LocalEventInput[];
  try {
    command = parseLocalRunArgs(argv);
    if (command === 'help') {
      io.out(LOCAL_USAGE);
      return 0;
    }
    const { eventFile } = command;
    notifications = await loadNotificationsModule(command.module, command.exportName);
    const text = await readFile(eventFile, 'utf8').catch((error: unknown) => {
      throw new LocalRunUsageError(`cannot read ${eventFile}: ${describeError(error)}`, {
        cause: error,
      });
    });
    events = parseEventFile(text, eventFile);
  } catch (error) {
    io.err(
      `tidings local: ${error instanceof TidingsError ? error.message : describeError(error)}`,
    );
    if (error instanceof LocalRunUsageError) io.err('Run tidings local --help for the usage.');
    return 2;
  }

  const start =
    options.pipeline ??
    (command.dynamodbLocal
      ? (definition: NotificationsDefinition) =>
          createDynamoDbLocalPipeline({ notifications: definition })
      : async (definition: NotificationsDefinition) =>
          createMemoryPipeline({ notifications: definition }));
  io.out(
    `Tidings local run of "${notifications.name}" (${command.dynamodbLocal ? 'DynamoDB Local and SES local' : 'in memory'}): ${Object.keys(notifications.events).join(', ')}`,
  );
  let pipeline: LocalPipeline;
  try {
    pipeline = await start(notifications);
  } catch (error) {
    // A missing optional package, Java, or a local service that did not start: say so plainly.
    io.err(
      `tidings local: ${error instanceof TidingsError ? error.message : describeError(error)}`,
    );
    return 2;
  }
  try {
    let refused = 0;
    const staged: IntegrationEvent[] = [];
    for (const { eventType, payload, ...stage } of events) {
      try {
        const event = await pipeline.stage(eventType, payload, stage);
        staged.push(event);
        io.out(`staged    ${eventType} ${event.eventId}`);
      } catch (error) {
        refused++;
        io.out(`refused   ${eventType}: ${describeError(error)}`);
      }
    }
    const delivery = await pipeline.deliver();
    const sent = pipeline.sent();
    io.out(`\n${sent.length} notification(s) sent for ${staged.length} event(s):`);
    for (const send of sent) io.out(formatSend(send));
    const { relay, consumer } = pipeline.deadLetters();
    for (const letter of [...relay, ...consumer]) io.out(`dead-lettered: ${letter.reason}`);
    if (!delivery.settled) io.out('the queue did not drain');
    const failed = refused > 0 || relay.length + consumer.length > 0 || !delivery.settled;
    return failed ? 1 : 0;
  } finally {
    await pipeline.close();
  }
}

/** One sent notification, as a person reads it. */
export function formatSend({ notification, context }: RecordedSend): string {
  const head = `- ${context.eventType} ${context.notificationId}`;
  return `${head}\n${indent(renderNotification(notification))}`;
}

function renderNotification(notification: Notification): string {
  switch (notification.kind) {
    case 'email': {
      const to = typeof notification.to === 'string' ? notification.to : notification.to.join(', ');
      return [
        `email to ${to}${notification.cc?.length ? ` (cc ${notification.cc.join(', ')})` : ''}`,
        `subject: ${notification.subject}`,
        ...(notification.replyTo ? [`reply-to: ${notification.replyTo}`] : []),
        ...notification.body
          .trimEnd()
          .split('\n')
          .map((line) => `| ${line}`),
        ...(notification.html ? ['(with an HTML body)'] : []),
      ].join('\n');
    }
    case 'push':
      return [
        `push to ${notification.deviceToken}`,
        `title: ${notification.title}`,
        `| ${notification.body}`,
        ...(notification.data ? [`data: ${JSON.stringify(notification.data)}`] : []),
      ].join('\n');
    case 'webhook':
      return [
        `webhook POST ${notification.url}`,
        ...Object.entries(notification.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
        JSON.stringify(notification.payload, null, 2),
      ].join('\n');
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
