import { DeadLetterAttribute } from '../aws/deadLetter.ts';
import { Header } from '../events/types.ts';
import { parseRelayLetter, type RelayLetter } from './relayLetter.ts';
import type { DeadLetterListing, DeadLetterOrigin, PeekedMessage } from './types.ts';

function envelopeFields(body: string): { eventId?: string; eventType?: string } {
  try {
    const json: unknown = JSON.parse(body);
    if (typeof json !== 'object' || json === null) return {};
    const { specversion, id, type } = json as Record<string, unknown>;
    if (specversion === undefined) return {};
    return {
      ...(typeof id === 'string' ? { eventId: id } : {}),
      ...(typeof type === 'string' ? { eventType: type } : {}),
    };
  } catch {
    return {};
  }
}

/** What a Lambda on-failure record says, as one line. */
export function describeStreamBatch(
  letter: Extract<RelayLetter, { kind: 'lambda-on-failure' }>,
): string {
  const { batch } = letter;
  return `Lambda gave up on a stream batch (${batch.condition ?? 'no condition given'}${
    batch.functionError ? `, function error ${batch.functionError}` : ''
  }): ${batch.batchSize ?? '?'} record(s) of shard ${batch.shardId ?? '?'}, sequence numbers ${
    batch.startSequenceNumber ?? '?'
  } to ${batch.endSequenceNumber ?? '?'}`;
}

function count(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * Says what a dead-lettered message is and why it failed, from the attributes the relay and
 * the consumer set (`DeadLetterAttribute`), else from what the message itself shows: a Lambda
 * on-failure record, or a message SQS moved after `maxReceiveCount` receives that did not
 * end in a delete.
 */
export function describeDeadLetter(message: PeekedMessage): DeadLetterListing {
  const { attributes, systemAttributes } = message;
  const source = attributes[DeadLetterAttribute.SOURCE];
  const relay =
    source === 'relay' || source === undefined ? parseRelayLetter(message.body) : undefined;
  const envelope = envelopeFields(message.body);
  const image = relay?.kind === 'item' ? relay : undefined;
  const eventId = attributes[DeadLetterAttribute.EVENT_ID] ?? envelope.eventId ?? image?.eventId;
  const eventType = attributes[Header.EVENT_TYPE] ?? envelope.eventType ?? image?.eventType;
  const redriveSource = systemAttributes.DeadLetterQueueSourceArn;

  let origin: DeadLetterOrigin;
  let reason: string;
  const ownReason = attributes[DeadLetterAttribute.REASON];
  if (source === 'relay' || source === 'consumer') {
    origin = source;
    reason = ownReason ?? '(no deadLetterReason attribute)';
  } else if (relay?.kind === 'lambda-on-failure') {
    origin = 'lambda-on-failure';
    reason = describeStreamBatch(relay);
  } else if (redriveSource) {
    origin = 'redrive-policy';
    // The consumer dead-letters a failure on the last receive itself, with its reason; SQS
    // moves a message only when that last receive did not finish.
    reason = `moved here by the redrive policy of ${redriveSource}: its last receive (maxReceiveCount) did not finish, by a crash or timeout of the consumer, a failed dead-letter send, or a lost delete`;
  } else {
    origin = 'unknown';
    reason = ownReason ?? '(no deadLetterReason attribute, and no redrive policy source)';
  }
  const errorName =
    attributes[DeadLetterAttribute.ERROR] ??
    (relay?.kind === 'lambda-on-failure' ? relay.batch.functionError : undefined);
  const receiveCount =
    count(attributes[DeadLetterAttribute.RECEIVE_COUNT]) ??
    count(systemAttributes.ApproximateReceiveCount);
  const sourceQueue = attributes[DeadLetterAttribute.SOURCE_QUEUE] ?? redriveSource;
  const sequenceNumber = attributes[DeadLetterAttribute.SEQUENCE_NUMBER];
  return {
    messageId: message.messageId,
    ...(eventId ? { eventId } : {}),
    ...(eventType ? { eventType } : {}),
    origin,
    reason,
    ...(errorName ? { errorName } : {}),
    ...(receiveCount !== undefined ? { receiveCount } : {}),
    ...(sourceQueue ? { sourceQueue } : {}),
    ...(sequenceNumber ? { sequenceNumber } : {}),
  };
}
