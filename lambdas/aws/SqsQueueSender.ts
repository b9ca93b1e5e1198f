import {
  type MessageAttributeValue,
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  type SendMessageBatchRequestEntry,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { OutgoingMessage, QueueSender, SendBatchResult } from '../ports.ts';
import { SqsRequestError } from './relayErrors.ts';

/** Options of `SqsQueueSender`. */
export interface SqsQueueSenderOptions {
  /** The queue URL; one ending `.fifo` selects FIFO behaviour. */
  readonly queueUrl: string;
  /** @default one `SQSClient` shared by every sender of this module */
  readonly client?: SQSClient;
}

let defaultClient: SQSClient | undefined;

/** The module's shared SQS client, created on first use (once per Lambda cold start). */
export function defaultSqsClient(): SQSClient {
  defaultClient ??= new SQSClient({});
  return defaultClient;
}

/** The queue name of an SQS queue URL (its last path segment). */
export function queueNameFromUrl(queueUrl: string): string {
  let url: URL;
  try {
    url = new URL(queueUrl);
  } catch (cause) {
    throw new TypeError(`not an SQS queue URL: ${JSON.stringify(queueUrl)}`, { cause });
  }
  const name = url.pathname.split('/').filter(Boolean).at(-1);
  if (!name) throw new TypeError(`SQS queue URL has no queue name: ${JSON.stringify(queueUrl)}`);
  return name;
}

/**
 * A `QueueSender` over SQS `SendMessageBatch`: attributes become String message attributes,
 * and on a FIFO queue (URL ending `.fifo`) the group and deduplication ids are sent.
 * Per-entry refusals come back in `failed` with SQS's `SenderFault`; an entry SQS reports in
 * neither list is reported failed, so nothing counts as sent unless SQS said so.
 *
 * @example
 * const queue = new SqsQueueSender({ queueUrl: process.env.TIDINGS_QUEUE_URL });
 * const { successful, failed } = await queue.sendBatch(messages);
 */
export class SqsQueueSender implements QueueSender {
  readonly fifo: boolean;
  readonly queueUrl: string;
  /** The queue's name, for error messages and logs. */
  readonly name: string;
  readonly #client: SQSClient | undefined;

  constructor(options: SqsQueueSenderOptions) {
    this.name = queueNameFromUrl(options.queueUrl);
    this.queueUrl = options.queueUrl;
    this.fifo = this.name.endsWith('.fifo');
    // The shared client is built on the first send, not here: the consumer's dead-letter
    // sender may never send, and building an SQS client is part of every cold start.
    this.#client = options.client;
  }

  /**
   * Sends up to 10 messages in one `SendMessageBatch`.
   * @throws SqsRequestError when the call fails as a whole; `permanent` follows the SDK error.
   */
  async sendBatch(messages: readonly OutgoingMessage[]): Promise<SendBatchResult> {
    let output: SendMessageBatchCommandOutput;
    try {
      output = await (this.#client ?? defaultSqsClient()).send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: messages.map((message) => this.#toEntry(message)),
        }),
      );
    } catch (error) {
      throw new SqsRequestError(this.name, 'SendMessageBatch', error);
    }
    const successful: { id: string; messageId: string }[] = [];
    const failed: SendBatchResult['failed'][number][] = [];
    const answered = new Set<string>();
    for (const entry of output.Successful ?? []) {
      if (!entry.Id) continue;
      answered.add(entry.Id);
      successful.push({ id: entry.Id, messageId: entry.MessageId ?? '' });
    }
    for (const entry of output.Failed ?? []) {
      if (!entry.Id) continue;
      answered.add(entry.Id);
      failed.push({
        id: entry.Id,
        code: entry.Code ?? 'UnknownError',
        ...(entry.Message ? { message: entry.Message } : {}),
        senderFault: entry.SenderFault ?? false,
      });
    }
    for (const message of messages) {
      if (answered.has(message.id)) continue;
      failed.push({
        id: message.id,
        code: 'MissingFromResponse',
        message: 'SQS reported the entry neither successful nor failed',
        senderFault: false,
      });
    }
    return { successful, failed };
  }

  #toEntry(message: OutgoingMessage): SendMessageBatchRequestEntry {
    const attributes = Object.entries(message.attributes ?? {});
    // Assigned rather than spread from conditional objects: one entry per relayed record.
    // Same keys, in the same order.
    const entry: SendMessageBatchRequestEntry = { Id: message.id, MessageBody: message.body };
    if (attributes.length > 0) {
      entry.MessageAttributes = Object.fromEntries(
        attributes.map(([name, value]): [string, MessageAttributeValue] => [
          name,
          { DataType: 'String', StringValue: value },
        ]),
      );
    }
    if (this.fifo && message.groupId !== undefined) entry.MessageGroupId = message.groupId;
    if (this.fifo && message.deduplicationId !== undefined) {
      entry.MessageDeduplicationId = message.deduplicationId;
    }
    if (message.delaySeconds !== undefined) entry.DelaySeconds = message.delaySeconds;
    return entry;
  }
}
