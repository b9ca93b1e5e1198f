import type { DynamoDBRecord, SQSRecord } from 'aws-lambda';
import { describeError } from '../errors.ts';
import { escapeRefusedCharacters } from '../outbox/messageCharacters.ts';
import type {
  DeadLetterInfo,
  DeadLetterReceipt,
  DeadLetterSink,
  OutgoingMessage,
  QueueSender,
} from '../ports.ts';
import {
  MAX_MESSAGE_ATTRIBUTES,
  MAX_MESSAGE_BYTES,
  REFUSED_CHARACTER,
} from '../queue/sqsLimits.ts';
import { DeadLetterSendError, sdkErrorCode } from './relayErrors.ts';

// Re-exported only while `sqsConsumer.ts` and `../consumer.ts` import it from here.
export type { DeadLetterSink } from '../ports.ts';

/** Message attributes a dead letter carries, besides the original message's own. */
export const DeadLetterAttribute = {
  /** One line saying why the record was given up on. */
  REASON: 'deadLetterReason',
  /** The error class (or SDK error code) that made it permanent. */
  ERROR: 'deadLetterError',
  /** `relay` or `consumer`: which hop gave up. */
  SOURCE: 'deadLetterSource',
  /** The event id, when known (the same attribute name the relay sets on every message). */
  EVENT_ID: 'eventId',
  /** Consumer: how many times SQS had delivered the message. */
  RECEIVE_COUNT: 'receiveCount',
  /** Consumer: the queue the message was consumed from. */
  SOURCE_QUEUE: 'sourceQueue',
  /** Relay: the stream record's sequence number. */
  SEQUENCE_NUMBER: 'sequenceNumber',
} as const;

/** The content of a dead letter built from a record. */
export interface LetterContent {
  /** Names the record in errors: a message id or a sequence number. */
  readonly recordId: string;
  readonly body: string;
  /** The original message's string attributes, carried along where room allows. */
  readonly attributes?: Readonly<Record<string, string>>;
  /** FIFO dead-letter queues: the message group. */
  readonly groupId: string;
  /** FIFO dead-letter queues: dead-lettering the same record twice in 5 minutes stores it once. */
  readonly deduplicationId: string;
  /** False when the body had to leave part of the record out to fit the size limit. */
  readonly complete: boolean;
}

/** Room kept for attributes when deciding whether a body fits. */
const ATTRIBUTE_ROOM_BYTES = 16 * 1024;
const MAX_REASON_LENGTH = 1024;
/** Every character SQS refuses in bodies and attribute values (outside XML 1.0's ranges). */
const FORBIDDEN_CHARACTERS = new RegExp(REFUSED_CHARACTER.source, 'gu');
/** Group and deduplication ids: 1 to 128 printable ASCII characters. */
const NOT_ID_CHARACTERS = /[^!-~]/g;

/** A one-line reason and error name for an error, ready for `DeadLetterInfo`. */
export function describeForDeadLetter(error: unknown): { reason: string; errorName: string } {
  return { reason: describeError(error), errorName: sdkErrorCode(error) };
}

function clean(value: string, max?: number): string {
  const text = value.replace(FORBIDDEN_CHARACTERS, '\uFFFD');
  return max !== undefined && text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/**
 * A JSON letter body SQS takes, with nothing lost: `JSON.stringify` leaves only U+FFFE and
 * U+FFFF of what SQS refuses, and only inside strings, where a `\uFFFE` escape reads back as
 * the same character. So a re-staged item holds exactly what was committed.
 */
function jsonBody(json: string): string {
  return escapeRefusedCharacters(json);
}

function asId(value: string): string {
  return value.replace(NOT_ID_CHARACTERS, '_').slice(0, 128) || 'dead-letter';
}

/**
 * The attributes of a dead letter: the reason attributes first, then the original ones while
 * there is room (SQS takes 10). Empty values are dropped, since SQS refuses them.
 */
export function deadLetterAttributes(
  info: DeadLetterInfo,
  source: 'relay' | 'consumer',
  original: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const own: [string, string | undefined][] = [
    [DeadLetterAttribute.REASON, clean(info.reason, MAX_REASON_LENGTH)],
    [DeadLetterAttribute.ERROR, clean(info.errorName, 256)],
    [DeadLetterAttribute.SOURCE, source],
    [DeadLetterAttribute.EVENT_ID, info.eventId],
    [DeadLetterAttribute.RECEIVE_COUNT, info.receiveCount?.toString()],
    [DeadLetterAttribute.SOURCE_QUEUE, info.queue],
    [DeadLetterAttribute.SEQUENCE_NUMBER, info.sequenceNumber],
  ];
  const attributes: Record<string, string> = {};
  for (const [name, value] of [...own, ...Object.entries(original)]) {
    if (Object.keys(attributes).length >= MAX_MESSAGE_ATTRIBUTES) break;
    if (value === undefined || value.length === 0 || name in attributes) continue;
    attributes[name] = clean(value);
  }
  return attributes;
}

/** The string attributes of an SQS record (String and Number types; binary ones are left out). */
export function stringAttributesOf(record: SQSRecord): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.messageAttributes ?? {})) {
    if (typeof value?.stringValue === 'string') attributes[name] = value.stringValue;
  }
  return attributes;
}

/** A dead letter for an SQS record: the original body and attributes, as received. */
export function sqsRecordLetter(record: SQSRecord): LetterContent {
  const groupId = record.attributes?.MessageGroupId;
  return {
    recordId: record.messageId,
    // SQS never delivers an empty body; the fallback only keeps the send valid.
    body: record.body || '(empty body)',
    attributes: stringAttributesOf(record),
    groupId: asId(groupId ?? record.messageId),
    deduplicationId: asId(record.messageId),
    complete: true,
  };
}

/**
 * A dead letter for a DynamoDB stream record: the record's identity, keys and new image in
 * the stream's own `AttributeValue` form, so nothing is lost to unmarshalling and the item
 * can be written back as it was. An image too large for a message is left out (only the
 * keys remain) and `complete` is false.
 */
export function streamRecordLetter(record: DynamoDBRecord): LetterContent {
  const sequenceNumber = record.dynamodb?.SequenceNumber;
  const recordId = sequenceNumber ?? record.eventID ?? 'unknown';
  const identity = {
    eventID: record.eventID,
    eventName: record.eventName,
    eventSourceARN: record.eventSourceARN,
    sequenceNumber,
    approximateCreationDateTime: record.dynamodb?.ApproximateCreationDateTime,
    keys: record.dynamodb?.Keys,
  };
  const full = jsonBody(JSON.stringify({ ...identity, newImage: record.dynamodb?.NewImage }));
  const fits = Buffer.byteLength(full) <= MAX_MESSAGE_BYTES - ATTRIBUTE_ROOM_BYTES;
  const body = fits
    ? full
    : jsonBody(
        JSON.stringify({
          ...identity,
          newImageOmitted: `the image is ${Buffer.byteLength(full)} bytes, over the queue limit`,
        }),
      );
  return {
    recordId,
    body,
    groupId: asId(record.eventSourceARN ?? 'tidings-relay'),
    deduplicationId: asId(recordId),
    complete: fits,
  };
}

/**
 * A dead letter for an outbox item read from the table (by the sweeper) that cannot be read
 * back as an event: the item as JSON.
 */
export function outboxItemLetter(item: Readonly<Record<string, unknown>>): LetterContent {
  const recordId = typeof item.pk === 'string' ? item.pk : 'unknown-item';
  const full = jsonBody(JSON.stringify(item));
  const fits = Buffer.byteLength(full) <= MAX_MESSAGE_BYTES - ATTRIBUTE_ROOM_BYTES;
  return {
    recordId,
    body: fits
      ? full
      : jsonBody(JSON.stringify({ pk: item.pk, sk: item.sk, itemOmitted: 'over the queue limit' })),
    groupId: 'tidings-sweeper',
    deduplicationId: asId(recordId),
    complete: fits,
  };
}

/**
 * A dead-letter sink that sends letters to any `QueueSender` (an `SqsQueueSender` for the
 * DLQ URL on AWS, a `MemoryQueue` locally), one message per record.
 */
export class QueueDeadLetters<R> implements DeadLetterSink<R> {
  readonly #queue: QueueSender;
  readonly #queueName: string;
  readonly #source: 'relay' | 'consumer';
  readonly #toLetter: (record: R) => LetterContent;

  constructor(options: {
    /** The dead-letter queue. */
    readonly queue: QueueSender & { readonly name?: string };
    /** Which hop gives up on records: recorded on each letter. */
    readonly source: 'relay' | 'consumer';
    readonly toLetter: (record: R) => LetterContent;
  }) {
    this.#queue = options.queue;
    this.#queueName = options.queue.name ?? 'dead-letter queue';
    this.#source = options.source;
    this.#toLetter = options.toLetter;
  }

  /**
   * Sends the letter; the receipt's `complete` is the letter's (false when it left part of the
   * record out).
   * @throws DeadLetterSendError (transient) when the queue did not take the letter.
   */
  async deadLetter(record: R, info: DeadLetterInfo): Promise<DeadLetterReceipt> {
    const letter = this.#toLetter(record);
    const message: OutgoingMessage = {
      id: 'dead-letter',
      body: letter.body,
      attributes: deadLetterAttributes(info, this.#source, letter.attributes),
      ...(this.#queue.fifo
        ? { groupId: letter.groupId, deduplicationId: letter.deduplicationId }
        : {}),
    };
    let result: Awaited<ReturnType<QueueSender['sendBatch']>>;
    try {
      result = await this.#queue.sendBatch([message]);
    } catch (error) {
      throw new DeadLetterSendError(
        this.#queueName,
        letter.recordId,
        sdkErrorCode(error),
        error instanceof Error ? error.message : String(error),
        { cause: error },
      );
    }
    if (result.successful.some((ok) => ok.id === message.id)) return { complete: letter.complete };
    const refused = result.failed[0];
    throw new DeadLetterSendError(
      this.#queueName,
      letter.recordId,
      refused?.code ?? 'NotAccepted',
      refused?.message,
    );
  }
}

/** Dead letters for consumed SQS records: original body and attributes plus the reason. */
export function sqsRecordDeadLetters(
  queue: QueueSender & { readonly name?: string },
): DeadLetterSink<SQSRecord> {
  return new QueueDeadLetters({ queue, source: 'consumer', toLetter: sqsRecordLetter });
}

/** Dead letters for stream records the relay can never relay: the raw record plus the reason. */
export function streamRecordDeadLetters(
  queue: QueueSender & { readonly name?: string },
): DeadLetterSink<DynamoDBRecord> {
  return new QueueDeadLetters({ queue, source: 'relay', toLetter: streamRecordLetter });
}

/** Dead letters for outbox items the sweeper finds and can never relay: the item plus the reason. */
export function outboxItemDeadLetters(
  queue: QueueSender & { readonly name?: string },
): DeadLetterSink<Readonly<Record<string, unknown>>> {
  return new QueueDeadLetters({ queue, source: 'relay', toLetter: outboxItemLetter });
}
