import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { IntegrationEvent } from '../../lambdas/events/types.ts';
import { itemToLambdaImage } from '../../lambdas/local/StreamPoller.ts';
import { toOutboxItem } from '../../lambdas/outbox/outboxItem.ts';
import { TABLE_DEFINITION } from '../../lambdas/outbox/tableDefinition.ts';
import { T0 } from './events.ts';

/** The stream ARN the factories put on records unless told otherwise. */
export const STREAM_ARN =
  'arn:aws:dynamodb:us-east-1:000000000000:table/tidings/stream/2025-01-01T00:00:00.000';

/** What `makeStreamRecord` varies; images are in document form and get marshalled. */
export interface StreamRecordOptions {
  readonly eventName?: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** The item after the change (INSERT, MODIFY). @default `{ pk: 'ITEM#1', sk: 'ITEM' }` for INSERT/MODIFY */
  readonly newImage?: Readonly<Record<string, unknown>>;
  /** The item before the change; the table's view is NEW_IMAGE, so only for odd cases. */
  readonly oldImage?: Readonly<Record<string, unknown>>;
  /** @default the next of a counter, 21 digits like DynamoDB's */
  readonly sequenceNumber?: string;
  /** Epoch seconds. @default T0 */
  readonly approximateCreationDateTime?: number;
  readonly eventID?: string;
  readonly eventSourceARN?: string;
  readonly awsRegion?: string;
}

let sequence = 0;

/**
 * A DynamoDB stream record as Lambda delivers it, images marshalled with
 * `@aws-sdk/util-dynamodb`, keys taken from the image, and an increasing sequence number.
 */
export function makeStreamRecord(options: StreamRecordOptions = {}): DynamoDBRecord {
  const eventName = options.eventName ?? 'INSERT';
  const newImage =
    options.newImage ?? (eventName === 'REMOVE' ? undefined : { pk: 'ITEM#1', sk: 'ITEM' });
  const source = newImage ?? options.oldImage ?? { pk: 'ITEM#1', sk: 'ITEM' };
  const { partitionKey, sortKey } = TABLE_DEFINITION;
  const keys = itemToLambdaImage({
    [partitionKey.name]: source[partitionKey.name],
    [sortKey.name]: source[sortKey.name],
  });
  sequence++;
  const sequenceNumber = options.sequenceNumber ?? String(sequence * 100).padStart(21, '0');
  const images = {
    ...(newImage ? { NewImage: itemToLambdaImage(newImage) } : {}),
    ...(options.oldImage ? { OldImage: itemToLambdaImage(options.oldImage) } : {}),
  };
  return {
    eventID: options.eventID ?? `event-${sequenceNumber}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: options.awsRegion ?? 'us-east-1',
    eventSourceARN: options.eventSourceARN ?? STREAM_ARN,
    dynamodb: {
      ApproximateCreationDateTime: options.approximateCreationDateTime ?? Math.floor(T0 / 1000),
      Keys: keys,
      ...images,
      SequenceNumber: sequenceNumber,
      SizeBytes: Buffer.byteLength(JSON.stringify({ Keys: keys, ...images })),
      StreamViewType: TABLE_DEFINITION.streamViewType,
    },
  };
}

/** The INSERT record of an event's outbox item, as the relay receives it. */
export function makeOutboxStreamRecord(
  event: IntegrationEvent,
  outbox: { readonly name: string } = { name: 'users' },
  options: Omit<StreamRecordOptions, 'newImage' | 'eventName'> = {},
): DynamoDBRecord {
  return makeStreamRecord({
    ...options,
    eventName: 'INSERT',
    newImage: toOutboxItem(event, outbox) as unknown as Record<string, unknown>,
  });
}

/** A stream event carrying these records. */
export function makeStreamEvent(...records: DynamoDBRecord[]): DynamoDBStreamEvent {
  return { Records: records };
}
