import { createHash, randomUUID } from 'node:crypto';
import type { SQSEvent, SQSRecord, SQSRecordAttributes } from 'aws-lambda';
import {
  md5OfMessageAttributes,
  toSqsMessageAttributes,
} from '../../lambdas/local/SqsEventPump.ts';

/** Overrides for `makeSqsRecord`; `attributes` are merged into the defaults. */
export type SqsRecordOverrides = Partial<Omit<SQSRecord, 'attributes'>> & {
  readonly attributes?: Partial<SQSRecordAttributes>;
  /** String message attributes, converted to Lambda's shape (ignored if `messageAttributes` is given). */
  readonly stringAttributes?: Readonly<Record<string, string>>;
};

/**
 * An SQS record as Lambda delivers it, with a fresh message id, receive count 1 and a
 * standard queue ARN unless overridden; `md5OfBody` follows the body.
 */
export function makeSqsRecord(overrides: SqsRecordOverrides = {}): SQSRecord {
  const { attributes, stringAttributes = {}, messageAttributes, body = '{}', ...rest } = overrides;
  const sent = Date.UTC(2025, 0, 1);
  const hasStringAttributes = Object.keys(stringAttributes).length > 0;
  return {
    messageId: randomUUID(),
    receiptHandle: `receipt-${randomUUID()}`,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(sent),
      SenderId: 'AIDALOCALTIDINGSSENDER',
      ApproximateFirstReceiveTimestamp: String(sent + 5),
      ...attributes,
    },
    messageAttributes: messageAttributes ?? toSqsMessageAttributes(stringAttributes),
    md5OfBody: createHash('md5').update(body, 'utf8').digest('hex'),
    ...(hasStringAttributes && !messageAttributes
      ? { md5OfMessageAttributes: md5OfMessageAttributes(stringAttributes) }
      : {}),
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:tidings-events',
    awsRegion: 'us-east-1',
    ...rest,
  };
}

/** An SQS event carrying `records` (one default record when none are given). */
export function makeSqsEvent(records: readonly SQSRecord[] = [makeSqsRecord()]): SQSEvent {
  return { Records: [...records] };
}
