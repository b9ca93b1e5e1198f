import * as z from 'zod/mini';
import { InvalidEnvelopeError } from './errors.ts';
import type { IntegrationEvent } from './types.ts';
import '../zodLocale.ts';

/**
 * The message body the relay writes and the consumer reads: a CloudEvents 1.0 event in
 * structured JSON mode, with Tidings' envelope metadata as extension attributes
 * (`correlationid`, `causationid`, `partitionkey` from the Partitioning extension and
 * `traceparent` from the Distributed Tracing extension).
 */
export interface CloudEventEnvelope {
  readonly specversion: '1.0';
  readonly id: string;
  readonly type: string;
  readonly source: string;
  readonly time: string;
  readonly datacontenttype: 'application/json';
  readonly data: unknown;
  readonly correlationid?: string;
  readonly causationid?: string;
  readonly partitionkey?: string;
  readonly traceparent?: string;
}

const nonEmpty = z.string().check(z.minLength(1));

const envelopeSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.uuid(),
  type: nonEmpty,
  source: nonEmpty,
  time: z.iso.datetime({ offset: true }),
  datacontenttype: z.optional(z.literal('application/json')),
  data: z.unknown(),
  correlationid: z.optional(nonEmpty),
  causationid: z.optional(nonEmpty),
  partitionkey: z.optional(nonEmpty),
  traceparent: z.optional(nonEmpty),
});

/** Builds the CloudEvents envelope for an event; `source` names the producing outbox. */
export function toCloudEvent(event: IntegrationEvent, source: string): CloudEventEnvelope {
  const envelope: { -readonly [K in keyof CloudEventEnvelope]: CloudEventEnvelope[K] } = {
    specversion: '1.0',
    id: event.eventId,
    type: event.eventType,
    source,
    time: event.occurredAt,
    datacontenttype: 'application/json',
    data: event.payload,
  };
  // Assigned rather than spread from a conditional object: the relay builds one envelope
  // per record, and the spreads allocated four throwaway objects each. Same keys, same order.
  if (event.correlationId) envelope.correlationid = event.correlationId;
  if (event.causationId) envelope.causationid = event.causationId;
  if (event.orderingKey) envelope.partitionkey = event.orderingKey;
  if (event.traceparent) envelope.traceparent = event.traceparent;
  return envelope;
}

/**
 * Parses a message body back into the event it carries, metadata included.
 *
 * @throws InvalidEnvelopeError when the body is not JSON or not a valid envelope; the error
 *   is permanent (the same body fails the same way on every attempt).
 */
export function parseCloudEvent(body: string): IntegrationEvent<unknown> & { source: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (cause) {
    throw new InvalidEnvelopeError(`body is not JSON: ${JSON.stringify(body.slice(0, 80))}`, {
      cause,
    });
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new InvalidEnvelopeError(fields, { cause: parsed.error });
  }
  const e = parsed.data;
  return {
    eventId: e.id.toLowerCase(),
    eventType: e.type,
    source: e.source,
    occurredAt: e.time,
    payload: e.data,
    ...(e.correlationid ? { correlationId: e.correlationid } : {}),
    ...(e.causationid ? { causationId: e.causationid } : {}),
    ...(e.partitionkey ? { orderingKey: e.partitionkey } : {}),
    ...(e.traceparent ? { traceparent: e.traceparent } : {}),
  };
}
