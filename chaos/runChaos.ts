import { notifications } from '../examples/signup/notifications.ts';
import { registerUser } from '../examples/signup/registerUser.ts';
import {
  DeadLetterAttribute,
  outboxItemDeadLetters,
  sqsRecordDeadLetters,
  streamRecordDeadLetters,
} from '../lambdas/aws/deadLetter.ts';
import { uuidv7 } from '../lambdas/events/ids.ts';
import { Header } from '../lambdas/events/types.ts';
import { LedgerStoreError } from '../lambdas/ledger/errors.ts';
import { MemoryLedger } from '../lambdas/ledger/MemoryLedger.ts';
import type { LedgerFault, LedgerOperation } from '../lambdas/ledger/types.ts';
import { SqsEventPump } from '../lambdas/local/SqsEventPump.ts';
import { RecordingSenders } from '../lambdas/notifications/RecordingSenders.ts';
import { defineOutbox } from '../lambdas/outbox/defineOutbox.ts';
import { MemoryOutboxStore } from '../lambdas/outbox/MemoryOutboxStore.ts';
import { OUTBOX_ITEM_KIND } from '../lambdas/outbox/tableDefinition.ts';
import type { TransactItems } from '../lambdas/ports.ts';
import { QueueUnavailableError } from '../lambdas/queue/errors.ts';
import { MemoryQueue } from '../lambdas/queue/MemoryQueue.ts';
import { createSweeperHandler } from '../lambdas/sweeper.ts';
import {
  analyse,
  type ChaosFigures,
  type ChaosObservations,
  type Invariant,
  invariants,
  type ObservedDeadLetter,
} from './analyse.ts';
import { ChaosConsumer, type ChaosConsumerStats } from './ChaosConsumer.ts';
import { ChaosRelay, DuplicatingQueue, FlakyPendingOutbox } from './ChaosRelay.ts';
import { ChaosTransactWriter } from './ChaosTransactWriter.ts';
import { chaosClock } from './clock.ts';
import { ChaosOptionError } from './errors.ts';
import { type FaultCounts, FaultSite, Faults } from './faults.ts';
import { forkRandom, seededBytes, seededUuid } from './random.ts';
import { SimulatedStream } from './SimulatedStream.ts';
import { type WindowCause, WindowCounter } from './WindowCounter.ts';
import { isUndeliverable, makeWorkload, type WorkloadShares } from './workload.ts';

/** Options of a chaos run; the seed, rate and signup count reproduce it exactly. */
export interface ChaosOptions {
  /** Seeds every random choice: faults, ids, jitter, the workload. */
  readonly seed: number;
  /** Probability each fault site fires per opportunity, in [0, 1]. */
  readonly rate: number;
  /** Signups to drive through the pipeline. */
  readonly signups: number;
  /** Consume with the idempotency ledger. Off only to show the suite catches duplicates. @default true */
  readonly ledger?: boolean;
  /**
   * Receives before SQS moves a message to its DLQ; the consumer is told it too, as the CDK
   * construct tells it, and dead-letters a transient failure on that receive with its reason.
   * @default 10 (the CDK construct's default; see docs/chaos.md for what 5 loses)
   */
  readonly maxReceiveCount?: number;
  /** The workload's mix of undeliverable, invalid and duplicate signups. */
  readonly shares?: WorkloadShares;
  /** Signups per simulated second. @default 25 */
  readonly signupsPerSecond?: number;
}

/** Everything a run reports. */
export interface ChaosReport {
  readonly seed: number;
  readonly rate: number;
  readonly maxReceiveCount: number;
  /** Whether the consumer ran with the idempotency ledger. */
  readonly ledger: boolean;
  readonly figures: ChaosFigures;
  readonly invariants: readonly Invariant[];
  /** True when the pipeline went quiet: every signup handled, nothing left on the stream, queue or outbox. */
  readonly settled: boolean;
  readonly faults: FaultCounts;
  readonly windowsByCause: Readonly<Record<WindowCause, number>>;
  readonly consumer: ChaosConsumerStats;
  readonly relay: { readonly invocations: number; readonly crashes: number };
  readonly sweeper: {
    readonly runs: number;
    readonly failedRuns: number;
    readonly swept: number;
    readonly maxOldestPendingAgeSeconds: number;
  };
  /** Simulated time from the first signup to quiet, ms. */
  readonly simulatedMs: number;
  /** Real time the run took, ms. */
  readonly wallMs: number;
}

const TABLE_NAME = 'tidings-chaos';
/** The chaos run's default `maxReceiveCount`. */
export const CHAOS_MAX_RECEIVE_COUNT = 10;
const SWEEP_INTERVAL_MS = 60_000;
const SWEEPER_MIN_AGE_MS = 120_000;
/** A run that has not settled after two simulated days never will. */
const MAX_SIMULATED_MS = 2 * 24 * 60 * 60 * 1000;
const STREAM_INVOCATIONS_PER_TICK = 50;
const CONSUMER_INVOCATIONS_PER_TICK = 100;
const FAR_FUTURE = '9999-12-31T23:59:59.999Z';
const noSleep = async () => {};

function checkOptions(options: ChaosOptions): void {
  if (!Number.isSafeInteger(options.seed)) {
    throw new ChaosOptionError('seed', options.seed, 'an integer');
  }
  if (!(options.rate >= 0 && options.rate <= 1)) {
    throw new ChaosOptionError('rate', options.rate, 'a number from 0 to 1');
  }
  if (!Number.isSafeInteger(options.signups) || options.signups < 1) {
    throw new ChaosOptionError('signups', options.signups, 'a positive integer');
  }
  const receives = options.maxReceiveCount;
  if (
    receives !== undefined &&
    !(Number.isInteger(receives) && receives >= 1 && receives <= 1000)
  ) {
    throw new ChaosOptionError('max-receive-count', receives, 'an integer from 1 to 1000');
  }
  const perSecond = options.signupsPerSecond;
  if (perSecond !== undefined && !(Number.isInteger(perSecond) && perSecond >= 1)) {
    throw new ChaosOptionError('signups-per-second', perSecond, 'a positive integer');
  }
}

function outboxEventId(items: TransactItems): string | undefined {
  const item = items.find((action) => action.Put?.Item?.kind === OUTBOX_ITEM_KIND)?.Put?.Item;
  return typeof item?.eventId === 'string' ? item.eventId : undefined;
}

/**
 * Drives `signups` signups through the whole pipeline in memory with faults injected at
 * every boundary, then reports what happened and whether the four invariants held.
 *
 * The pieces are the real ones: `registerUser` (through a faulty `TransactWriteItems`), the
 * relay handler fed by a simulated stream, the sweeper on a schedule, `MemoryQueue` for SQS
 * with the real consumer handler behind `SqsEventPump`, the memory ledger, and a recording
 * provider. Time is a fake clock, randomness a seeded generator: the same options give the
 * same report.
 *
 * @example
 * const report = await runChaos({ seed: 42, rate: 0.05, signups: 5000 });
 * report.invariants.every((i) => i.holds);
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  checkOptions(options);
  const started = performance.now();
  const { seed, rate } = options;
  const clock = chaosClock();
  const startedAt = clock();
  const faults = new Faults(seed, rate);
  const windows = new WindowCounter();
  const maxReceiveCount = options.maxReceiveCount ?? CHAOS_MAX_RECEIVE_COUNT;
  const signups = makeWorkload(options.signups, forkRandom(seed, 'workload'), options.shares);

  // What the run observes, filled in as it goes.
  const attempts = new Map<number, string>();
  const commits = new Set<string>();
  const callerSawCommit: boolean[] = [];
  let current = -1;

  const store = new MemoryOutboxStore();
  const stream = new SimulatedStream({ clock });
  const writer = new ChaosTransactWriter({
    store,
    faults,
    onAttempt: (items) => {
      const eventId = outboxEventId(items);
      if (eventId) attempts.set(current, eventId);
    },
    onCommit: (items) => {
      const eventId = outboxEventId(items);
      if (eventId) commits.add(eventId);
      stream.append(items);
    },
  });
  // The example's outbox, dated by the simulated clock and with seeded event ids.
  const outbox = defineOutbox({
    name: notifications.outbox.name,
    schema: notifications.events,
    clock,
    random: seededBytes(forkRandom(seed, 'outbox')),
  });
  const idBytes = seededBytes(forkRandom(seed, 'ids'));
  const newId = () => uuidv7(clock, idBytes);

  const queue = new MemoryQueue({
    name: 'notifications',
    clock,
    maxReceiveCount,
    newId: seededUuid(forkRandom(seed, 'queue-ids')),
    faults: {
      sendBatch: () =>
        faults.roll(FaultSite.SEND_BATCH_ENTRY)
          ? { code: 'InternalError', message: 'simulated internal error', senderFault: false }
          : undefined,
      sendBatchError: () =>
        faults.roll(FaultSite.SEND_BATCH_THROTTLED)
          ? new QueueUnavailableError('notifications', 'ThrottlingException')
          : undefined,
    },
  });
  const deadLetterQueue = (name: string) =>
    new MemoryQueue({
      name,
      clock,
      newId: seededUuid(forkRandom(seed, `${name}-ids`)),
      faults: {
        sendBatchError: () =>
          faults.roll(FaultSite.DEAD_LETTER_SEND)
            ? new QueueUnavailableError(name, 'ServiceUnavailable')
            : undefined,
      },
    });
  const relayDlq = deadLetterQueue('notifications-relay-dlq');
  const consumerDlq = deadLetterQueue('notifications-dlq');
  const eventsQueue = new DuplicatingQueue(queue, faults);
  const pendingOutbox = new FlakyPendingOutbox(store, faults);
  const relayOptions = { sleep: noSleep, random: forkRandom(seed, 'relay-jitter') };

  const relay = new ChaosRelay({
    queue: eventsQueue,
    deadLetters: streamRecordDeadLetters(relayDlq),
    outbox: pendingOutbox,
    outboxes: [outbox],
    faults,
    relay: relayOptions,
  });
  const sweeper = createSweeperHandler({
    outbox: pendingOutbox,
    queue: eventsQueue,
    outboxes: [outbox],
    deadLetters: outboxItemDeadLetters(relayDlq),
    minAgeMs: SWEEPER_MIN_AGE_MS,
    clock,
    relay: { sleep: noSleep, random: forkRandom(seed, 'sweeper-jitter') },
  });

  const ledgerError = (operation: LedgerOperation, notificationId: string, code: string) =>
    new LedgerStoreError(
      operation,
      notificationId,
      code,
      false,
      Object.assign(new Error(`simulated ${code}`), { name: code }),
    );
  // Every attempt rolls on its own, retries of `complete` included; the consumer opens the
  // window only where it gives a completion up (ChaosConsumer).
  const beforeApply: LedgerFault = (operation, notificationId) =>
    faults.roll(FaultSite.LEDGER_BEFORE_APPLY)
      ? ledgerError(operation, notificationId, 'ProvisionedThroughputExceededException')
      : undefined;
  const afterApply: LedgerFault = (operation, notificationId) =>
    faults.roll(FaultSite.LEDGER_AFTER_APPLY)
      ? ledgerError(operation, notificationId, 'TimeoutError')
      : undefined;
  const ledger =
    options.ledger === false
      ? undefined
      : new MemoryLedger({
          clock,
          fault: beforeApply,
          faultAfterApply: afterApply,
          newToken: seededUuid(forkRandom(seed, 'ledger-tokens')),
        });
  const provider = new RecordingSenders();
  const consumer = new ChaosConsumer({
    provider,
    ...(ledger ? { ledger } : {}),
    deadLetters: sqsRecordDeadLetters(consumerDlq),
    visibility: queue.visibilityChanger(),
    router: notifications.router,
    queueSpec: notifications.queue,
    faults,
    windows,
    undeliverable: isUndeliverable,
    clock,
    sleep: async (ms) => clock.advance(ms),
    random: forkRandom(seed, 'consumer-jitter'),
    maxReceiveCount,
  });
  const pump = new SqsEventPump(queue, consumer.handler, {
    batchSize: 10,
    newId: seededUuid(forkRandom(seed, 'request-ids')),
  });

  const sweeps = { runs: 0, failedRuns: 0, swept: 0, maxOldestPendingAgeSeconds: 0 };
  const sweep = async () => {
    sweeps.runs++;
    try {
      const report = await sweeper({});
      sweeps.swept += report.swept;
      sweeps.maxOldestPendingAgeSeconds = Math.max(
        sweeps.maxOldestPendingAgeSeconds,
        report.oldestPendingAgeSeconds,
      );
    } catch {
      // A failed sweep is a failed scheduled invocation: the next one runs a minute later.
      sweeps.failedRuns++;
    }
  };

  const perSecond = options.signupsPerSecond ?? 25;
  const signupGapMs = Math.max(1, Math.floor(1000 / perSecond));
  // Each tick admits a fifth of a second's signups, then lets the stream and the queue move,
  // so relaying and consuming interleave with producing as they do in a live system.
  const perTick = Math.max(1, Math.round(perSecond / 5));
  let next = 0;
  let nextSweepAt = clock() + SWEEP_INTERVAL_MS;
  let settled = false;
  while (clock() - startedAt <= MAX_SIMULATED_MS) {
    const end = Math.min(signups.length, next + perTick);
    for (; next < end; next++) {
      const signup = signups[next];
      if (!signup) break;
      current = signup.index;
      try {
        await registerUser(signup.input, {
          writer,
          tableName: TABLE_NAME,
          outbox,
          newId,
          requestId: `signup-${signup.index}`,
        });
        callerSawCommit[signup.index] = true;
      } catch {
        callerSawCommit[signup.index] = false;
      }
      clock.advance(signupGapMs);
    }
    for (let i = 0; i < STREAM_INVOCATIONS_PER_TICK && stream.pending > 0; i++) {
      await stream.deliver(relay.handler);
    }
    if (clock() >= nextSweepAt) {
      await sweep();
      nextSweepAt = clock() + SWEEP_INTERVAL_MS;
    }
    for (let i = 0; i < CONSUMER_INVOCATIONS_PER_TICK; i++) {
      const result = await pump.pumpOnce();
      if (result.received === 0) break;
    }
    const producing = next < signups.length;
    if (!producing && stream.pending === 0 && queue.isEmpty()) {
      const left = await store.listPending({ olderThan: FAR_FUTURE, limit: 1 });
      if (left.length === 0) {
        settled = true;
        break;
      }
    }
    if (!producing) {
      // Nothing to do until the next message becomes visible or the next sweep is due.
      const waits = [nextSweepAt - clock(), queue.msUntilNextVisible() ?? Infinity];
      if (stream.pending > 0) waits.push(1000);
      clock.advance(Math.max(1, Math.min(...waits)));
    }
  }

  const deadLetters: ObservedDeadLetter[] = [
    ...[consumerDlq, relayDlq].flatMap((dlq) =>
      dlq.messages().map((message) => ({
        queue: dlq.name,
        reason: message.attributes[DeadLetterAttribute.REASON] ?? '',
        ...(message.attributes[DeadLetterAttribute.EVENT_ID]
          ? { eventId: message.attributes[DeadLetterAttribute.EVENT_ID] }
          : {}),
      })),
    ),
    // SQS's redrive moves a message that ran out of receives with no reason attached; the
    // note MemoryQueue keeps ("maxReceiveCount exceeded") is not the failure's cause, so it
    // does not count as one.
    ...queue.deadLetters().map((letter) => ({
      queue: `${queue.name} redrive`,
      reason: '',
      ...(letter.message.attributes[Header.EVENT_ID]
        ? { eventId: letter.message.attributes[Header.EVENT_ID] }
        : {}),
    })),
  ];
  const observations: ChaosObservations = {
    signups,
    callerSawCommit,
    attempts,
    commits,
    emails: provider.emails.map(({ notification, context }) => ({
      to: typeof notification.to === 'string' ? notification.to : (notification.to[0] ?? ''),
      eventId: context.eventId,
    })),
    windowsByEvent: windows.byEvent(),
    deadLetters,
  };
  const figures = analyse(observations);
  return {
    seed,
    rate,
    maxReceiveCount,
    ledger: ledger !== undefined,
    figures,
    invariants: invariants(figures),
    settled,
    faults: faults.counts(),
    windowsByCause: windows.byCause(),
    consumer: consumer.stats(),
    relay: relay.stats(),
    sweeper: sweeps,
    simulatedMs: clock() - startedAt,
    wallMs: performance.now() - started,
  };
}
