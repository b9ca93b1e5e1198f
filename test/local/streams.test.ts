import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { fromOutboxItem } from '../../lambdas/outbox/outboxItem.ts';
import { makeEvent } from '../helpers/events.ts';
import { makeOutboxStreamRecord, makeStreamEvent, makeStreamRecord } from '../helpers/streams.ts';

type Image = Record<string, AttributeValue>;
const read = (image: Image | undefined) =>
  unmarshall((image ?? {}) as Parameters<typeof unmarshall>[0]);

describe('stream record factories', () => {
  it('make an outbox INSERT the relay can read back into the same event', () => {
    const event = makeEvent();

    const record = makeOutboxStreamRecord(event);

    expect(record.eventName).toBe('INSERT');
    expect(fromOutboxItem(read(record.dynamodb?.NewImage as Image)).event).toEqual(event);
    expect(read(record.dynamodb?.Keys as Image)).toEqual({
      pk: `OUTBOX#${event.eventId}`,
      sk: 'OUTBOX',
    });
  });

  it('give each record a larger sequence number than the one before', () => {
    const first = makeStreamRecord();
    const second = makeStreamRecord();

    expect(BigInt(second.dynamodb?.SequenceNumber ?? '0')).toBeGreaterThan(
      BigInt(first.dynamodb?.SequenceNumber ?? '0'),
    );
  });

  it('carry binaries as base64 strings, as the Lambda event JSON does', () => {
    const record = makeStreamRecord({
      newImage: { pk: 'a', sk: 'b', blob: new Uint8Array([1, 2, 3]) },
    });

    expect(record.dynamodb?.NewImage?.blob).toEqual({ B: 'AQID' });
  });

  it('wrap records in an event', () => {
    const records = [makeStreamRecord(), makeStreamRecord()];

    expect(makeStreamEvent(...records)).toEqual({ Records: records });
  });
});
