import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { IntegrationEvent } from '../../lambdas/events/types.ts';
import { toOutboxItem } from '../../lambdas/outbox/outboxItem.ts';

const TABLE_ARN =
  'arn:aws:dynamodb:us-east-1:000000000000:table/tidings/stream/2025-01-01T00:00:00.000';

let sequence = 100;

/** A fresh, increasing stream sequence number (21 digits, like DynamoDB's). */
export function nextSequenceNumber(): string {
  sequence += 1;
  return String(sequence).padStart(21, '0');
}

/** Marshalls a document item into the stream's `AttributeValue` map. */
export function toImage(item: Record<string, unknown>): Record<string, AttributeValue> {
  return marshall(item, { removeUndefinedValues: true }) as Record<string, AttributeValue>;
}

/**
 * A DynamoDB stream record as Lambda delivers it: an INSERT of `item` (its `pk`/`sk` as keys)
 * with a fresh sequence number, unless overridden.
 */
export function streamRecordOf(
  item: Record<string, unknown>,
  overrides: Partial<DynamoDBRecord> & { sequenceNumber?: string } = {},
): DynamoDBRecord {
  const { sequenceNumber = nextSequenceNumber(), ...rest } = overrides;
  const image = toImage(item);
  return {
    eventID: `stream-${sequenceNumber}`,
    eventName: 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN: TABLE_ARN,
    dynamodb: {
      ApproximateCreationDateTime: 1_735_689_600,
      Keys: {
        ...(image.pk ? { pk: image.pk } : {}),
        ...(image.sk ? { sk: image.sk } : {}),
      },
      NewImage: image,
      SequenceNumber: sequenceNumber,
      SizeBytes: 256,
      StreamViewType: 'NEW_IMAGE',
    },
    ...rest,
  };
}

/** The stream record of an event staged in outbox `users` (bound for `notifications`). */
export function outboxInsertRecord(
  event: IntegrationEvent,
  overrides: Partial<DynamoDBRecord> & { sequenceNumber?: string; outbox?: string } = {},
): DynamoDBRecord {
  const { outbox = 'users', ...rest } = overrides;
  const item = toOutboxItem(event, { name: outbox });
  return streamRecordOf(item as unknown as Record<string, unknown>, rest);
}

/** A stream event carrying `records`. */
export function makeStreamEvent(records: readonly DynamoDBRecord[]): DynamoDBStreamEvent {
  return { Records: [...records] };
}
