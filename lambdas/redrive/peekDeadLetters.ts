import {
  ChangeMessageVisibilityBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { describeDeadLetter } from './describeDeadLetter.ts';
import { RedriveRequestError } from './errors.ts';
import type { DeadLetterListing, PeekedMessage } from './types.ts';

/** Options of `receiveDeadLetters`. */
export interface ReceiveDeadLettersOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  /** The most messages to receive. */
  readonly max: number;
  /**
   * How long received messages stay hidden: long enough to finish with them, short so a
   * crash leaves them visible again soon. @default 30
   */
  readonly visibilityTimeoutSeconds?: number;
  /** Long polling per receive; an empty answer ends the listing. @default 1 */
  readonly waitTimeSeconds?: number;
}

function toPeeked(message: Message): PeekedMessage | undefined {
  if (!message.MessageId || !message.ReceiptHandle) return undefined;
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    if (typeof value.StringValue === 'string') attributes[name] = value.StringValue;
  }
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body ?? '',
    attributes,
    systemAttributes: { ...message.Attributes },
  };
}

/**
 * Receives up to `max` messages from a dead-letter queue, with every message and system
 * attribute, without deleting any: they stay hidden for the visibility timeout, or until
 * `releaseMessages` makes them visible again. Stops at the first empty receive.
 *
 * @throws RedriveRequestError when SQS refuses a receive.
 */
export async function receiveDeadLetters(
  options: ReceiveDeadLettersOptions,
): Promise<PeekedMessage[]> {
  const received = new Map<string, PeekedMessage>();
  while (received.size < options.max) {
    let messages: Message[];
    try {
      const output = await options.client.send(
        new ReceiveMessageCommand({
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: Math.min(10, options.max - received.size),
          VisibilityTimeout: options.visibilityTimeoutSeconds ?? 30,
          WaitTimeSeconds: options.waitTimeSeconds ?? 1,
          MessageAttributeNames: ['All'],
          AttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
      );
      messages = output.Messages ?? [];
    } catch (error) {
      throw new RedriveRequestError('ReceiveMessage', options.queueUrl, error);
    }
    const fresh = messages
      .map(toPeeked)
      .filter((m) => m !== undefined && !received.has(m.messageId));
    if (fresh.length === 0) break;
    for (const message of fresh) if (message) received.set(message.messageId, message);
  }
  return [...received.values()];
}

/**
 * Makes received messages visible again at once (`ChangeMessageVisibilityBatch` to 0), so a
 * dry run leaves the queue as it found it.
 *
 * @returns the message ids SQS did not release (they come back after their visibility timeout).
 */
export async function releaseMessages(
  client: SQSClient,
  queueUrl: string,
  messages: readonly PeekedMessage[],
): Promise<string[]> {
  const unreleased: string[] = [];
  for (let start = 0; start < messages.length; start += 10) {
    const chunk = messages.slice(start, start + 10);
    try {
      const output = await client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: chunk.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.receiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
      for (const failed of output.Failed ?? []) {
        const message = chunk[Number(failed.Id)];
        if (message) unreleased.push(message.messageId);
      }
    } catch {
      unreleased.push(...chunk.map((message) => message.messageId));
    }
  }
  return unreleased;
}

/** What a dry run found. */
export interface DeadLetterPeek {
  readonly queueUrl: string;
  readonly listings: readonly DeadLetterListing[];
  /** Messages that could not be made visible again (they reappear after the timeout). */
  readonly unreleased: readonly string[];
}

/**
 * The dry run: lists up to `max` dead-lettered messages with why each failed, then makes them
 * visible again. Nothing is moved or deleted.
 *
 * @throws RedriveRequestError when SQS refuses the receive.
 */
export async function peekDeadLetters(options: ReceiveDeadLettersOptions): Promise<DeadLetterPeek> {
  const messages = await receiveDeadLetters(options);
  const unreleased = await releaseMessages(options.client, options.queueUrl, messages);
  return { queueUrl: options.queueUrl, listings: messages.map(describeDeadLetter), unreleased };
}
