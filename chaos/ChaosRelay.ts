import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { OutboxDeleteError } from '../lambdas/aws/relayErrors.ts';
import type { RelayedOutbox } from '../lambdas/outbox/checkCommitted.ts';
import type { RelayEventsOptions } from '../lambdas/outbox/relayEvents.ts';
import type {
  DeadLetterSink,
  OutboxItemKey,
  PendingOutbox,
  QueueSender,
} from '../lambdas/ports.ts';
import { MAX_BATCH_ENTRIES } from '../lambdas/queue/types.ts';
import { createRelayHandler } from '../lambdas/relay.ts';
import { CrashSwitch } from './CrashSwitch.ts';
import { FaultSite, type Faults } from './faults.ts';
import type { StreamBatchHandler } from './SimulatedStream.ts';

/**
 * The queue as SQS behaves for a standard queue: now and then a message is delivered twice.
 * Modelled at the send (an accepted entry is enqueued a second time), which the consumer
 * cannot tell from a second delivery.
 */
export class DuplicatingQueue implements QueueSender {
  readonly fifo: boolean;
  readonly #queue: QueueSender;
  readonly #faults: Faults;

  constructor(queue: QueueSender, faults: Faults) {
    this.fifo = queue.fifo;
    this.#queue = queue;
    this.#faults = faults;
  }

  async sendBatch(
    messages: Parameters<QueueSender['sendBatch']>[0],
  ): ReturnType<QueueSender['sendBatch']> {
    const result = await this.#queue.sendBatch(messages);
    for (const ok of result.successful) {
      const message = messages.find((m) => m.id === ok.id);
      if (!message || !this.#faults.roll(FaultSite.SQS_DUPLICATE)) continue;
      // The copy may meet a fault of its own; a duplicate that never appears is no loss.
      await this.#queue.sendBatch([message]).catch(() => undefined);
    }
    return result;
  }
}

/**
 * The outbox table as the relay and the sweeper reach it: deleting relayed items fails now
 * and then, leaving them for the sweeper to relay again.
 */
export class FlakyPendingOutbox implements PendingOutbox {
  readonly #outbox: PendingOutbox;
  readonly #faults: Faults;

  constructor(outbox: PendingOutbox, faults: Faults) {
    this.#outbox = outbox;
    this.#faults = faults;
  }

  listPending(options: Parameters<PendingOutbox['listPending']>[0]) {
    return this.#outbox.listPending(options);
  }

  async deleteRelayed(eventIds: readonly string[]): Promise<void> {
    if (eventIds.length > 0 && this.#faults.roll(FaultSite.OUTBOX_DELETE)) {
      throw new OutboxDeleteError(eventIds);
    }
    await this.#outbox.deleteRelayed(eventIds);
  }

  /** Passed through, so unrelayable items are set aside as the real table does it. */
  setAside(keys: readonly OutboxItemKey[]): Promise<void> {
    return this.#outbox.setAside(keys);
  }
}

/** Options of `ChaosRelay`. */
export interface ChaosRelayOptions {
  /** The events queue (with its own faults). */
  readonly queue: QueueSender;
  /** The relay dead-letter queue. */
  readonly deadLetters: DeadLetterSink<DynamoDBRecord>;
  /** Relayed items are deleted from it. */
  readonly outbox: PendingOutbox;
  /** The outboxes whose committed payloads the relay validates (`notifications.outbox`). */
  readonly outboxes: readonly RelayedOutbox[];
  readonly faults: Faults;
  /** Retry options of `SendMessageBatch` (a no-op `sleep`, a seeded `random`). */
  readonly relay: RelayEventsOptions;
}

/**
 * The relay Lambda under chaos: each invocation is the real relay handler
 * (`createRelayHandler`), and at the fault rate the invocation dies after some of its
 * `SendMessageBatch` calls (possibly all of them, losing only the response). What it sent
 * stays sent; the stream retries the whole batch, so those events reach the queue again.
 */
export class ChaosRelay {
  readonly #options: ChaosRelayOptions;
  #crashes = 0;
  #invocations = 0;

  constructor(options: ChaosRelayOptions) {
    this.#options = options;
  }

  /** Invocations so far, and how many of them crashed. */
  stats(): { readonly invocations: number; readonly crashes: number } {
    return { invocations: this.#invocations, crashes: this.#crashes };
  }

  /** The stream's handler. */
  readonly handler: StreamBatchHandler = (event) => this.#invoke(event);

  #invoke(event: DynamoDBStreamEvent) {
    const { faults } = this.#options;
    this.#invocations++;
    const invocation = new CrashSwitch('relay');
    const chunks = Math.ceil(event.Records.length / MAX_BATCH_ENTRIES);
    const crashAfterCalls = faults.roll(FaultSite.RELAY_CRASH)
      ? faults.pick(FaultSite.RELAY_CRASH, chunks + 1)
      : undefined;
    let calls = 0;
    const crash = (after: string) => {
      if (!invocation.crashed) this.#crashes++;
      invocation.crash(after);
    };
    const queue: QueueSender = {
      fifo: this.#options.queue.fifo,
      sendBatch: (messages) =>
        invocation.guard(async () => {
          const result = await this.#options.queue.sendBatch(messages);
          calls++;
          if (calls === crashAfterCalls) crash(`${calls} SendMessageBatch call(s)`);
          return result;
        }),
    };
    const handler = createRelayHandler({
      queue,
      deadLetters: {
        deadLetter: (record, info) =>
          invocation.guard(() => this.#options.deadLetters.deadLetter(record, info)),
      },
      outbox: {
        listPending: (options) => invocation.guard(() => this.#options.outbox.listPending(options)),
        deleteRelayed: (ids) => invocation.guard(() => this.#options.outbox.deleteRelayed(ids)),
        setAside: (keys) => invocation.guard(() => this.#options.outbox.setAside(keys)),
      },
      outboxes: this.#options.outboxes,
      relay: this.#options.relay,
    });
    return invocation.run(
      (async () => {
        if (crashAfterCalls === 0) crash('no SendMessageBatch call');
        const response = await handler(event);
        // A crash rolled for a call the batch never made: the invocation timed out after
        // doing everything, and its response is lost.
        if (crashAfterCalls !== undefined) crash(`all ${calls} SendMessageBatch call(s)`);
        return response;
      })(),
    );
  }
}
