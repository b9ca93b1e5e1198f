import { createHash, randomUUID } from 'node:crypto';
import type { OutgoingMessage, QueueSender, SendBatchResult, VisibilityChanger } from '../ports.ts';
import {
  BatchEntryIdsNotDistinctError,
  BatchRequestTooLongError,
  EmptyBatchRequestError,
  InvalidBatchEntryIdError,
  MessageRejectedError,
  ReceiptHandleInvalidError,
  TooManyEntriesInBatchRequestError,
} from './errors.ts';
import {
  isSqsQueueName,
  MAX_DELAY_SECONDS,
  MAX_MESSAGE_ATTRIBUTES,
  MAX_RECEIVE_COUNT,
  MAX_VISIBILITY_TIMEOUT_SECONDS,
  REFUSED_CHARACTER,
} from './sqsLimits.ts';
import { MAX_BATCH_ENTRIES, MAX_MESSAGE_BYTES, messageBytes } from './types.ts';

const FIFO_SUFFIX = '.fifo';
const ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
/** Group and deduplication ids: 1 to 128 printable ASCII characters. */
const GROUP_OR_DEDUPLICATION_ID = /^[!-~]{1,128}$/;
const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const DEDUPLICATION_WINDOW_MS = 5 * 60 * 1000;

/** A failure to inject for one entry of a `sendBatch`, as SQS reports it in `Failed`. */
export interface EntryFault {
  /** The per-entry error code, e.g. `InternalError` or `KmsThrottled`. */
  readonly code: string;
  readonly message?: string;
  /** True when the entry itself is to blame; the relay then gives up on it. */
  readonly senderFault: boolean;
}

/**
 * Fault injection for tests and chaos runs. Both hooks run only after the batch has passed
 * validation, so an injected fault never hides a real one.
 */
export interface MemoryQueueFaults {
  /**
   * Called for each valid entry of a `sendBatch` (and for `send`); a returned fault puts that
   * entry in `failed` instead of on the queue, like a partial batch failure in SQS.
   */
  readonly sendBatch?: (message: OutgoingMessage) => EntryFault | undefined;
  /**
   * Called once per `sendBatch` call; a returned error is thrown for the whole call and
   * nothing is enqueued (throttling, an outage). `QueueUnavailableError` is a ready-made one.
   */
  readonly sendBatchError?: (messages: readonly OutgoingMessage[]) => Error | undefined;
}

/** Options of `MemoryQueue`. */
export interface MemoryQueueOptions {
  /** 1 to 80 letters, digits, hyphens and underscores; a FIFO queue's name ends `.fifo`. */
  readonly name: string;
  /** @default true exactly when `name` ends with `.fifo` */
  readonly fifo?: boolean;
  /**
   * FIFO only: entries without a `deduplicationId` are deduplicated by the SHA-256 of their
   * body, as SQS's `ContentBasedDeduplication` does.
   * @default false
   */
  readonly contentBasedDeduplication?: boolean;
  /** Receives allowed before a message moves to the dead-letter list (1-1000). @default 5 */
  readonly maxReceiveCount?: number;
  /** How long a received message stays invisible (0-43200 seconds). @default 30 */
  readonly visibilityTimeoutSeconds?: number;
  /**
   * Epoch ms, as a `Clock` gives them (written out: `events/` reads this queue's messages, so
   * the queue takes nothing from `events/`). @default Date.now
   */
  readonly clock?: () => number;
  /** Message ids. @default crypto.randomUUID */
  readonly newId?: () => string;
  readonly faults?: MemoryQueueFaults;
}

/** A message as it sits on the queue. */
export interface QueuedMessage {
  readonly messageId: string;
  readonly body: string;
  /** The message's string attributes. */
  readonly attributes: Readonly<Record<string, string>>;
  /** FIFO only. */
  readonly groupId?: string;
  /** FIFO only: the given id, or the body's SHA-256 with content-based deduplication. */
  readonly deduplicationId?: string;
  /** FIFO only: 20 digits that increase in send order, like SQS's `SequenceNumber`. */
  readonly sequenceNumber?: string;
  /** Epoch ms of the send. */
  readonly sentAt: number;
}

/** One delivery of a message, as `receive` returns it. */
export interface ReceivedMessage extends QueuedMessage {
  /** Names this delivery; a later delivery of the same message gets a new one. */
  readonly receiptHandle: string;
  /** Deliveries so far, this one included. */
  readonly receiveCount: number;
  /** Epoch ms of the first delivery. */
  readonly firstReceivedAt: number;
}

/** A message moved off the queue, and why. */
export interface DeadLetter {
  readonly message: QueuedMessage;
  /** The reason given to `deadLetter`, or the last `nack` reason and the exceeded count. */
  readonly reason: string;
  /** Epoch ms of the move. */
  readonly deadLetteredAt: number;
  /** Deliveries before the move. */
  readonly receiveCount: number;
}

/** How many messages are in each state, like SQS's approximate counters. */
export interface QueueStats {
  /** Receivable now (on a FIFO queue, possibly behind an in-flight message of its group). */
  readonly visible: number;
  /** Received and not yet deleted, and still invisible (this includes a delayed `nack`). */
  readonly inFlight: number;
  /** Sent with `delaySeconds` and not yet due. */
  readonly delayed: number;
  readonly deadLettered: number;
}

interface StoredMessage {
  readonly message: QueuedMessage;
  receiveCount: number;
  firstReceivedAt: number | undefined;
  /** Epoch ms from which the message can be received. */
  visibleAt: number;
  /** The handle of the latest delivery; set once received, until deleted. */
  receiptHandle: string | undefined;
  lastFailure: string | undefined;
}

type Problem = { readonly code: string; readonly message: string };

/**
 * An in-memory queue with SQS semantics on an injectable clock, for local runs and tests.
 *
 * It takes the same batches as SQS `SendMessageBatch` (limits, per-entry failures, FIFO
 * deduplication within 5 minutes) and delivers like SQS with a redrive policy: a received
 * message stays invisible for the visibility timeout and comes back unless acknowledged;
 * on a FIFO queue a message group is held back while one of its messages is in flight; a
 * message received `maxReceiveCount` times moves to the dead-letter list on its next
 * receive. Time only moves when the injected clock does, so tests need no timers.
 *
 * Unlike a standard SQS queue it delivers in send order and never delivers a message twice
 * at once: it is a faithful model of the contract, not of SQS's distributed quirks.
 *
 * @example
 * let now = 0;
 * const queue = new MemoryQueue({ name: 'events', clock: () => now });
 * await queue.send({ body: '{}' });
 * const [message] = queue.receive();
 * now += 31_000; // past the visibility timeout: the message is visible again
 */
export class MemoryQueue implements QueueSender {
  /** The queue's name. */
  readonly name: string;
  readonly fifo: boolean;
  readonly maxReceiveCount: number;
  readonly visibilityTimeoutSeconds: number;
  readonly contentBasedDeduplication: boolean;
  readonly #clock: () => number;
  readonly #newId: () => string;
  readonly #faults: MemoryQueueFaults;
  /** In send order (redriven messages go to the back), which is FIFO delivery order. */
  readonly #messages = new Map<string, StoredMessage>();
  /** Why a message id is no longer on the queue, for receipt-handle error messages. */
  readonly #gone = new Map<string, string>();
  readonly #deduplication = new Map<string, { messageId: string; expiresAt: number }>();
  readonly #deadLetters: DeadLetter[] = [];
  #sequence = 0;
  #deliveries = 0;

  constructor(options: MemoryQueueOptions) {
    const { name } = options;
    if (typeof name !== 'string') throw new TypeError(`queue name must be a string: ${name}`);
    const fifo = options.fifo ?? name.endsWith(FIFO_SUFFIX);
    if (fifo && !name.endsWith(FIFO_SUFFIX)) {
      throw new TypeError(`a FIFO queue name must end with "${FIFO_SUFFIX}": "${name}"`);
    }
    if (!fifo && name.endsWith(FIFO_SUFFIX)) {
      throw new TypeError(`only a FIFO queue name may end with "${FIFO_SUFFIX}": "${name}"`);
    }
    if (!isSqsQueueName(name)) {
      throw new TypeError(
        `queue name must be 1 to 80 letters, digits, hyphens or underscores${fifo ? ' before ".fifo"' : ''}: "${name}"`,
      );
    }
    this.name = name;
    this.fifo = fifo;
    this.contentBasedDeduplication = options.contentBasedDeduplication ?? false;
    if (this.contentBasedDeduplication && !fifo) {
      throw new TypeError(`contentBasedDeduplication needs a FIFO queue: "${name}"`);
    }
    this.maxReceiveCount = options.maxReceiveCount ?? 5;
    checkInteger('maxReceiveCount', this.maxReceiveCount, 1, MAX_RECEIVE_COUNT, TypeError);
    this.visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 30;
    checkInteger(
      'visibilityTimeoutSeconds',
      this.visibilityTimeoutSeconds,
      0,
      MAX_VISIBILITY_TIMEOUT_SECONDS,
      TypeError,
    );
    this.#clock = options.clock ?? Date.now;
    this.#newId = options.newId ?? randomUUID;
    this.#faults = options.faults ?? {};
  }

  /** The queue's clock reading, epoch ms. */
  now(): number {
    return this.#clock();
  }

  /**
   * Enqueues up to 10 messages, as SQS `SendMessageBatch` does. Entries that are wrong on
   * their own (too large, bad attributes, FIFO fields missing or misplaced) are reported in
   * `failed` with `senderFault: true` and the others are accepted. On a FIFO queue an entry
   * whose deduplication id was seen in the last 5 minutes is reported successful with the
   * first message's id and is not enqueued again.
   *
   * An entry over the size limit is refused on its own; the batch limit then applies to
   * the rest, so one oversized message does not hide what was wrong with its siblings.
   *
   * @throws EmptyBatchRequestError, TooManyEntriesInBatchRequestError,
   *   InvalidBatchEntryIdError, BatchEntryIdsNotDistinctError, BatchRequestTooLongError for
   *   batches SQS refuses whole, or whatever `faults.sendBatchError` returns.
   */
  async sendBatch(messages: readonly OutgoingMessage[]): Promise<SendBatchResult> {
    if (messages.length === 0) throw new EmptyBatchRequestError(this.name);
    if (messages.length > MAX_BATCH_ENTRIES) {
      throw new TooManyEntriesInBatchRequestError(this.name, messages.length, MAX_BATCH_ENTRIES);
    }
    const ids = new Set<string>();
    for (const message of messages) {
      if (!ENTRY_ID.test(message.id)) throw new InvalidBatchEntryIdError(this.name, message.id);
      if (ids.has(message.id)) throw new BatchEntryIdsNotDistinctError(this.name, message.id);
      ids.add(message.id);
    }

    const failed: SendBatchResult['failed'][number][] = [];
    const valid: OutgoingMessage[] = [];
    let batchBytes = 0;
    for (const message of messages) {
      const problem = this.#validate(message);
      if (problem) {
        failed.push({ id: message.id, ...problem, senderFault: true });
      } else {
        valid.push(message);
        batchBytes += messageBytes(message);
      }
    }
    if (batchBytes > MAX_MESSAGE_BYTES) {
      throw new BatchRequestTooLongError(this.name, batchBytes, MAX_MESSAGE_BYTES);
    }
    const injected = this.#faults.sendBatchError?.(messages);
    if (injected) throw injected;

    const now = this.#clock();
    this.#forgetExpiredDeduplication(now);
    const successful: SendBatchResult['successful'][number][] = [];
    for (const message of valid) {
      const fault = this.#faults.sendBatch?.(message);
      if (fault) {
        failed.push({
          id: message.id,
          code: fault.code,
          ...(fault.message === undefined ? {} : { message: fault.message }),
          senderFault: fault.senderFault,
        });
        continue;
      }
      successful.push({ id: message.id, messageId: this.#enqueue(message, now) });
    }
    return { successful, failed };
  }

  /**
   * Enqueues one message (a batch of one) and returns its message id.
   * @throws MessageRejectedError when the entry is refused, plus what `sendBatch` throws.
   */
  async send(
    message: Omit<OutgoingMessage, 'id'> & { readonly id?: string },
  ): Promise<{ messageId: string }> {
    const entry: OutgoingMessage = { ...message, id: message.id ?? 'message' };
    const result = await this.sendBatch([entry]);
    const [ok] = result.successful;
    if (ok) return { messageId: ok.messageId };
    const [bad] = result.failed;
    throw new MessageRejectedError(
      this.name,
      entry.id,
      bad?.code ?? 'InternalError',
      bad?.senderFault ?? false,
      bad?.message,
    );
  }

  /**
   * Receives up to `max` (1-10) visible messages in order and hides them for the visibility
   * timeout. A message already received `maxReceiveCount` times is moved to the dead-letter
   * list instead of being delivered. On a FIFO queue, a group with a message in flight is
   * skipped, so its messages are processed one delivery at a time, in order.
   */
  receive(options: { max?: number; visibilityTimeoutSeconds?: number } = {}): ReceivedMessage[] {
    const max = options.max ?? 1;
    checkInteger('max', max, 1, MAX_BATCH_ENTRIES, RangeError);
    const timeout = options.visibilityTimeoutSeconds ?? this.visibilityTimeoutSeconds;
    checkInteger(
      'visibilityTimeoutSeconds',
      timeout,
      0,
      MAX_VISIBILITY_TIMEOUT_SECONDS,
      RangeError,
    );
    const now = this.#clock();
    const blockedGroups = new Set<string>();
    const received: ReceivedMessage[] = [];
    for (const stored of [...this.#messages.values()]) {
      if (received.length === max) break;
      const group = stored.message.groupId;
      if (group !== undefined && blockedGroups.has(group)) continue;
      if (stored.visibleAt > now) {
        // A later message of the group must not overtake this one.
        if (group !== undefined) blockedGroups.add(group);
        continue;
      }
      if (stored.receiveCount >= this.maxReceiveCount) {
        const exceeded = `maxReceiveCount (${this.maxReceiveCount}) exceeded`;
        this.#moveToDeadLetters(
          stored,
          stored.lastFailure ? `${stored.lastFailure}; ${exceeded}` : exceeded,
          now,
        );
        continue;
      }
      stored.receiveCount += 1;
      stored.firstReceivedAt ??= now;
      stored.visibleAt = now + timeout * 1000;
      stored.receiptHandle = this.#newReceiptHandle(stored);
      received.push(
        Object.freeze({
          ...stored.message,
          receiptHandle: stored.receiptHandle,
          receiveCount: stored.receiveCount,
          firstReceivedAt: stored.firstReceivedAt,
        }),
      );
    }
    return received;
  }

  /**
   * Deletes a received message (SQS `DeleteMessage`).
   * @throws ReceiptHandleInvalidError when the handle is stale.
   */
  ack(receiptHandle: string): void {
    const stored = this.#resolve(receiptHandle);
    this.#remove(stored, 'it was deleted');
  }

  /**
   * Gives a received message back: it is visible again now, or after `delaySeconds`
   * (0-43200; until then it counts as in flight, as after SQS `ChangeMessageVisibility`).
   * `reason` is remembered and becomes part of the dead-letter reason if the message runs
   * out of receives. The handle stays valid until the message is received again.
   * @throws ReceiptHandleInvalidError when the handle is stale.
   */
  nack(receiptHandle: string, options: { delaySeconds?: number; reason?: string } = {}): void {
    const stored = this.#resolve(receiptHandle);
    const delay = options.delaySeconds ?? 0;
    checkInteger('delaySeconds', delay, 0, MAX_VISIBILITY_TIMEOUT_SECONDS, RangeError);
    stored.visibleAt = this.#clock() + delay * 1000;
    if (options.reason !== undefined) stored.lastFailure = options.reason;
  }

  /**
   * Sets how long from now a received message stays invisible (0-43200 seconds), as SQS
   * `ChangeMessageVisibility` does; 0 makes it visible at once.
   * @throws ReceiptHandleInvalidError when the handle is stale.
   */
  changeVisibility(receiptHandle: string, seconds: number): void {
    const stored = this.#resolve(receiptHandle);
    checkInteger('seconds', seconds, 0, MAX_VISIBILITY_TIMEOUT_SECONDS, RangeError);
    stored.visibleAt = this.#clock() + seconds * 1000;
  }

  /** This queue as a `VisibilityChanger`, for a consumer that backs off through visibility. */
  visibilityChanger(): VisibilityChanger {
    return {
      changeVisibility: async (receiptHandle, seconds) =>
        this.changeVisibility(receiptHandle, seconds),
    };
  }

  /**
   * Moves a received message to the dead-letter list at once with `reason`: what a consumer
   * does with a permanent failure instead of letting it be retried.
   * @throws ReceiptHandleInvalidError when the handle is stale.
   */
  deadLetter(receiptHandle: string, reason: string): void {
    const stored = this.#resolve(receiptHandle);
    this.#moveToDeadLetters(stored, reason, this.#clock());
  }

  /** The dead-letter list, oldest first. */
  deadLetters(): DeadLetter[] {
    return [...this.#deadLetters];
  }

  /**
   * Moves every dead letter back to the back of the queue, visible now, with its receive
   * count reset (the in-memory twin of SQS `StartMessageMoveTask`). Returns how many moved.
   */
  redriveDeadLetters(): number {
    const letters = this.#deadLetters.splice(0);
    const now = this.#clock();
    for (const { message } of letters) {
      this.#gone.delete(message.messageId);
      this.#messages.set(message.messageId, {
        message: this.fifo ? { ...message, sequenceNumber: this.#nextSequenceNumber() } : message,
        receiveCount: 0,
        firstReceivedAt: undefined,
        visibleAt: now,
        receiptHandle: undefined,
        lastFailure: undefined,
      });
    }
    return letters.length;
  }

  /** Every message on the queue (visible, in flight or delayed), in delivery order. */
  messages(): QueuedMessage[] {
    return [...this.#messages.values()].map((stored) => stored.message);
  }

  /** How many messages are visible, in flight, delayed and dead-lettered. */
  stats(): QueueStats {
    const now = this.#clock();
    let visible = 0;
    let inFlight = 0;
    let delayed = 0;
    for (const stored of this.#messages.values()) {
      if (stored.visibleAt <= now) visible++;
      else if (stored.receiptHandle !== undefined) inFlight++;
      else delayed++;
    }
    return { visible, inFlight, delayed, deadLettered: this.#deadLetters.length };
  }

  /** True when nothing is visible, in flight or delayed (dead letters do not count). */
  isEmpty(): boolean {
    return this.#messages.size === 0;
  }

  /**
   * Milliseconds until the next invisible message (in flight or delayed) becomes visible, or
   * undefined when none is invisible. Lets a local driver advance a fake clock just enough.
   */
  msUntilNextVisible(): number | undefined {
    const now = this.#clock();
    let next: number | undefined;
    for (const stored of this.#messages.values()) {
      if (stored.visibleAt > now && (next === undefined || stored.visibleAt < next)) {
        next = stored.visibleAt;
      }
    }
    return next === undefined ? undefined : next - now;
  }

  #validate(message: OutgoingMessage): Problem | undefined {
    const invalid = (text: string): Problem => ({ code: 'InvalidParameterValue', message: text });
    if (typeof message.body !== 'string' || message.body.length === 0) {
      return invalid('message body must be a non-empty string');
    }
    const bodyCharacter = forbiddenCharacter(message.body);
    if (bodyCharacter) return invalid(`message body contains ${bodyCharacter}, which SQS refuses`);
    const bytes = messageBytes(message);
    if (bytes > MAX_MESSAGE_BYTES) {
      return invalid(`message is ${bytes} bytes, over the limit of ${MAX_MESSAGE_BYTES}`);
    }
    const attributes = Object.entries(message.attributes ?? {});
    if (attributes.length > MAX_MESSAGE_ATTRIBUTES) {
      return invalid(
        `a message has at most ${MAX_MESSAGE_ATTRIBUTES} attributes, got ${attributes.length}`,
      );
    }
    for (const [name, value] of attributes) {
      if (!isValidAttributeName(name)) return invalid(`invalid message attribute name: "${name}"`);
      if (typeof value !== 'string' || value.length === 0) {
        return invalid(`message attribute "${name}" must have a non-empty string value`);
      }
      const valueCharacter = forbiddenCharacter(value);
      if (valueCharacter) {
        return invalid(`message attribute "${name}" contains ${valueCharacter}, which SQS refuses`);
      }
    }
    const delay = message.delaySeconds;
    if (delay !== undefined) {
      if (!Number.isInteger(delay) || delay < 0 || delay > MAX_DELAY_SECONDS) {
        return invalid(`delaySeconds must be an integer from 0 to ${MAX_DELAY_SECONDS}: ${delay}`);
      }
      if (this.fifo && delay > 0) {
        return invalid(`FIFO queues take no per-message delaySeconds: ${delay}`);
      }
    }
    if (this.fifo) {
      if (message.groupId === undefined) {
        return { code: 'MissingParameter', message: 'a FIFO message needs a groupId' };
      }
      if (!GROUP_OR_DEDUPLICATION_ID.test(message.groupId)) {
        return invalid(`groupId must be 1 to 128 printable ASCII characters: "${message.groupId}"`);
      }
      if (message.deduplicationId === undefined && !this.contentBasedDeduplication) {
        return invalid(
          'a FIFO message needs a deduplicationId when the queue has no content-based deduplication',
        );
      }
      if (
        message.deduplicationId !== undefined &&
        !GROUP_OR_DEDUPLICATION_ID.test(message.deduplicationId)
      ) {
        return invalid(
          `deduplicationId must be 1 to 128 printable ASCII characters: "${message.deduplicationId}"`,
        );
      }
    } else {
      if (message.groupId !== undefined) {
        return invalid(`groupId is for FIFO queues only: "${message.groupId}"`);
      }
      if (message.deduplicationId !== undefined) {
        return invalid(`deduplicationId is for FIFO queues only: "${message.deduplicationId}"`);
      }
    }
    return undefined;
  }

  /** Adds a validated message, or returns the original's id for a FIFO duplicate. */
  #enqueue(message: OutgoingMessage, now: number): string {
    const deduplicationId = this.fifo
      ? (message.deduplicationId ?? createHash('sha256').update(message.body).digest('hex'))
      : undefined;
    if (deduplicationId !== undefined) {
      const seen = this.#deduplication.get(deduplicationId);
      if (seen) return seen.messageId;
    }
    const messageId = this.#newId();
    if (this.#messages.has(messageId) || this.#gone.has(messageId)) {
      throw new TypeError(
        `newId returned an id already used on queue "${this.name}": "${messageId}"`,
      );
    }
    const queued: QueuedMessage = Object.freeze({
      messageId,
      body: message.body,
      attributes: Object.freeze({ ...message.attributes }),
      ...(message.groupId === undefined ? {} : { groupId: message.groupId }),
      ...(deduplicationId === undefined ? {} : { deduplicationId }),
      ...(this.fifo ? { sequenceNumber: this.#nextSequenceNumber() } : {}),
      sentAt: now,
    });
    this.#messages.set(messageId, {
      message: queued,
      receiveCount: 0,
      firstReceivedAt: undefined,
      visibleAt: now + (message.delaySeconds ?? 0) * 1000,
      receiptHandle: undefined,
      lastFailure: undefined,
    });
    if (deduplicationId !== undefined) {
      this.#deduplication.set(deduplicationId, {
        messageId,
        expiresAt: now + DEDUPLICATION_WINDOW_MS,
      });
    }
    return messageId;
  }

  #forgetExpiredDeduplication(now: number): void {
    for (const [id, entry] of this.#deduplication) {
      if (entry.expiresAt <= now) this.#deduplication.delete(id);
    }
  }

  #nextSequenceNumber(): string {
    this.#sequence += 1;
    return String(this.#sequence).padStart(20, '0');
  }

  #newReceiptHandle(stored: StoredMessage): string {
    this.#deliveries += 1;
    // Opaque to callers, but it names its message, so a stale one can say why it is stale.
    return Buffer.from(`${this.name}:${this.#deliveries}:${stored.message.messageId}`).toString(
      'base64url',
    );
  }

  #resolve(receiptHandle: string): StoredMessage {
    const messageId = this.#messageIdOf(receiptHandle);
    const stored = messageId === undefined ? undefined : this.#messages.get(messageId);
    if (stored && stored.receiptHandle === receiptHandle) return stored;
    let reason = 'no message was received with this handle';
    if (stored) {
      reason = `message "${messageId}" was received again or redriven since, so this handle was replaced`;
    } else if (messageId !== undefined && this.#gone.has(messageId)) {
      reason = `message "${messageId}" is no longer on the queue: ${this.#gone.get(messageId)}`;
    }
    throw new ReceiptHandleInvalidError(this.name, receiptHandle, reason);
  }

  #messageIdOf(receiptHandle: string): string | undefined {
    const decoded = Buffer.from(receiptHandle, 'base64url').toString();
    const prefix = `${this.name}:`;
    if (!decoded.startsWith(prefix)) return undefined;
    const rest = decoded.slice(prefix.length);
    const colon = rest.indexOf(':');
    return colon < 0 ? undefined : rest.slice(colon + 1);
  }

  #remove(stored: StoredMessage, why: string): void {
    this.#messages.delete(stored.message.messageId);
    this.#gone.set(stored.message.messageId, why);
  }

  #moveToDeadLetters(stored: StoredMessage, reason: string, now: number): void {
    this.#remove(stored, `it was dead-lettered (${reason})`);
    this.#deadLetters.push(
      Object.freeze({
        message: stored.message,
        reason,
        deadLetteredAt: now,
        receiveCount: stored.receiveCount,
      }),
    );
  }
}

function forbiddenCharacter(text: string): string | undefined {
  const match = REFUSED_CHARACTER.exec(text);
  if (!match) return undefined;
  const codePoint = match[0].codePointAt(0) ?? 0;
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')} at index ${match.index}`;
}

function isValidAttributeName(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    ATTRIBUTE_NAME.test(name) &&
    !name.startsWith('.') &&
    !name.endsWith('.') &&
    !name.includes('..') &&
    !lower.startsWith('aws.') &&
    !lower.startsWith('amazon.')
  );
}

function checkInteger(
  name: string,
  value: number,
  min: number,
  max: number,
  ErrorType: typeof TypeError | typeof RangeError,
): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ErrorType(`${name} must be an integer from ${min} to ${max}: ${value}`);
  }
}
