import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { OUTBOX_ITEM_KIND } from '../outbox/tableDefinition.ts';

/** The batch a Lambda on-failure record describes: where in the stream, not the records. */
export interface StreamBatchInfo {
  readonly shardId?: string;
  readonly startSequenceNumber?: string;
  readonly endSequenceNumber?: string;
  readonly batchSize?: number;
  readonly streamArn?: string;
  /** Why Lambda gave up, e.g. `RetryAttemptsExhausted`, `RecordAgeExceeded`. */
  readonly condition?: string;
  /** `Unhandled`, `Handled`, when the function failed. */
  readonly functionError?: string;
}

/** What a message on the relay's dead-letter queue holds. */
export type RelayLetter =
  /** An outbox item the relay (`stream-record`) or the sweeper (`outbox-item`) gave up on, whole. */
  | {
      readonly kind: 'item';
      readonly from: 'stream-record' | 'outbox-item';
      /** The item, ready for `PutItem`. */
      readonly item: Record<string, AttributeValue>;
      readonly pk: string;
      readonly sk: string;
      readonly eventId?: string;
      readonly eventType?: string;
    }
  /** The letter had to leave the item out (it was too large); only its key is known. */
  | {
      readonly kind: 'image-omitted';
      readonly pk?: string;
      readonly sk?: string;
      readonly note: string;
    }
  /** Lambda's own on-failure record: invocation metadata with shard and sequence range. */
  | { readonly kind: 'lambda-on-failure'; readonly batch: StreamBatchInfo }
  /** Not a letter the relay, the sweeper or Lambda writes. */
  | { readonly kind: 'unrecognised'; readonly reason: string };

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

/**
 * Turns an attribute value from a stream record's JSON (Lambda's form: binaries as base64
 * text) into the SDK's form for `PutItem`.
 * @throws TypeError naming the path of a value that is not a DynamoDB attribute value.
 */
export function toSdkAttributeValue(value: unknown, path = '(item)'): AttributeValue {
  if (!isObject(value)) throw new TypeError(`${path} is not an attribute value`);
  const entries = Object.entries(value);
  const [entry] = entries;
  if (entries.length !== 1 || !entry) {
    throw new TypeError(
      `${path} must have exactly one type key, got ${JSON.stringify(Object.keys(value))}`,
    );
  }
  const [type, inner] = entry;
  const strings = (v: unknown): string[] => {
    if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
      throw new TypeError(`${path}.${type} must be a list of strings`);
    }
    return v as string[];
  };
  switch (type) {
    case 'S':
    case 'N':
      if (typeof inner !== 'string') throw new TypeError(`${path}.${type} must be a string`);
      return type === 'S' ? { S: inner } : { N: inner };
    case 'B':
      if (typeof inner !== 'string') throw new TypeError(`${path}.B must be base64 text`);
      return { B: Buffer.from(inner, 'base64') };
    case 'SS':
      return { SS: strings(inner) };
    case 'NS':
      return { NS: strings(inner) };
    case 'BS':
      return { BS: strings(inner).map((s) => Buffer.from(s, 'base64')) };
    case 'BOOL':
      if (typeof inner !== 'boolean') throw new TypeError(`${path}.BOOL must be a boolean`);
      return { BOOL: inner };
    case 'NULL':
      return { NULL: true };
    case 'L':
      if (!Array.isArray(inner)) throw new TypeError(`${path}.L must be a list`);
      return { L: inner.map((v, i) => toSdkAttributeValue(v, `${path}[${i}]`)) };
    case 'M':
      if (!isObject(inner)) throw new TypeError(`${path}.M must be a map`);
      return { M: toSdkItem(inner, path) };
    default:
      throw new TypeError(`${path} has unknown type ${JSON.stringify(type)}`);
  }
}

/** `toSdkAttributeValue` for every attribute of an item image. */
export function toSdkItem(image: Json, path = ''): Record<string, AttributeValue> {
  return Object.fromEntries(
    Object.entries(image).map(([name, value]) => [
      name,
      toSdkAttributeValue(value, path ? `${path}.${name}` : name),
    ]),
  );
}

function itemLetter(
  from: 'stream-record' | 'outbox-item',
  item: Record<string, AttributeValue>,
): RelayLetter {
  const pk = item.pk?.S;
  const sk = item.sk?.S;
  if (!pk || !sk) return { kind: 'unrecognised', reason: `the ${from} has no string pk and sk` };
  if (item.kind?.S !== OUTBOX_ITEM_KIND) {
    return {
      kind: 'unrecognised',
      reason: `the ${from} ${pk} is not an outbox item (kind ${JSON.stringify(item.kind?.S ?? null)})`,
    };
  }
  const eventId = item.eventId?.S;
  const eventType = item.eventType?.S;
  return {
    kind: 'item',
    from,
    item,
    pk,
    sk,
    ...(eventId ? { eventId } : {}),
    ...(eventType ? { eventType } : {}),
  };
}

/**
 * Reads a relay dead-letter body: a stream record letter (`streamRecordLetter`: identity,
 * keys and the new image in `AttributeValue` form), an outbox item letter from the sweeper
 * (`outboxItemLetter`: the item as JSON), or Lambda's on-failure record for a stream batch
 * (`DDBStreamBatchInfo`). Never throws: what it cannot read is `unrecognised`, with why.
 */
export function parseRelayLetter(body: string): RelayLetter {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return {
      kind: 'unrecognised',
      reason: `the body is not JSON: ${JSON.stringify(body.slice(0, 80))}`,
    };
  }
  if (!isObject(json)) return { kind: 'unrecognised', reason: 'the body is not a JSON object' };

  const batch = json.DDBStreamBatchInfo;
  if (isObject(batch)) {
    const request = isObject(json.requestContext) ? json.requestContext : {};
    const response = isObject(json.responseContext) ? json.responseContext : {};
    const info: StreamBatchInfo = {
      shardId: text(batch.shardId),
      startSequenceNumber: text(batch.startSequenceNumber),
      endSequenceNumber: text(batch.endSequenceNumber),
      batchSize: typeof batch.batchSize === 'number' ? batch.batchSize : undefined,
      streamArn: text(batch.streamArn),
      condition: text(request.condition),
      functionError: text(response.functionError),
    };
    return {
      kind: 'lambda-on-failure',
      batch: Object.fromEntries(
        Object.entries(info).filter(([, v]) => v !== undefined),
      ) as StreamBatchInfo,
    };
  }

  if ('newImage' in json || 'newImageOmitted' in json) {
    const keys = isObject(json.keys) ? json.keys : {};
    if (!isObject(json.newImage)) {
      const pk = isObject(keys.pk) ? text(keys.pk.S) : undefined;
      const sk = isObject(keys.sk) ? text(keys.sk.S) : undefined;
      return {
        kind: 'image-omitted',
        ...(pk ? { pk } : {}),
        ...(sk ? { sk } : {}),
        note: text(json.newImageOmitted) ?? 'the letter carries no image',
      };
    }
    try {
      return itemLetter('stream-record', toSdkItem(json.newImage));
    } catch (error) {
      return {
        kind: 'unrecognised',
        reason: `the stream image cannot be read: ${(error as Error).message}`,
      };
    }
  }

  if ('itemOmitted' in json) {
    return {
      kind: 'image-omitted',
      ...(text(json.pk) ? { pk: text(json.pk) as string } : {}),
      ...(text(json.sk) ? { sk: text(json.sk) as string } : {}),
      note: `the item was left out of the letter: ${String(json.itemOmitted)}`,
    };
  }
  if (json.kind === OUTBOX_ITEM_KIND) {
    try {
      return itemLetter(
        'outbox-item',
        marshall(json, { removeUndefinedValues: true }) as Record<string, AttributeValue>,
      );
    } catch (error) {
      return {
        kind: 'unrecognised',
        reason: `the outbox item cannot be read: ${(error as Error).message}`,
      };
    }
  }
  return {
    kind: 'unrecognised',
    reason: 'neither a stream record letter, an outbox item letter nor a Lambda on-failure record',
  };
}
