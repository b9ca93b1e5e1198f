import type { OutgoingMessage } from '../ports.ts';
import { REFUSED_CHARACTER } from '../queue/sqsLimits.ts';

const REFUSED_ALL = new RegExp(REFUSED_CHARACTER.source, 'gu');

/** The event field each member of the CloudEvents envelope carries (see `toCloudEvent`). */
const EVENT_FIELD_OF: Readonly<Record<string, string>> = {
  id: 'eventId',
  type: 'eventType',
  source: 'outbox',
  time: 'occurredAt',
  data: 'payload',
  correlationid: 'correlationId',
  causationid: 'causationId',
  partitionkey: 'orderingKey',
  traceparent: 'traceparent',
};

/** A character SQS would refuse in a message, placed in the event the message carries. */
export interface RefusedCharacter {
  /**
   * The event field holding it, dotted (`payload.name`, `payload.tags.2`, `eventType`,
   * `correlationId`); for a character in an object key, the path ends at that key.
   */
  readonly path: string;
  /** The refused code point, e.g. 0xFFFE. */
  readonly codePoint: number;
  /** Its UTF-16 index in the field's string. */
  readonly index: number;
}

/** `U+FFFE` for 0xFFFE: how code points are named in messages. */
export function codePointName(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Text with each character SQS refuses written as a `\uXXXX` escape, so it can be put in an
 * error message or a log line that may itself travel through SQS.
 */
export function escapeRefusedCharacters(text: string): string {
  return text.replace(REFUSED_ALL, (character) => {
    const codePoint = character.codePointAt(0) ?? 0;
    return `\\u${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
  });
}

function firstRefused(text: string): { codePoint: number; index: number } | undefined {
  const match = REFUSED_CHARACTER.exec(text);
  if (!match) return undefined;
  return { codePoint: match[0].codePointAt(0) ?? 0, index: match.index };
}

/**
 * The first character SQS would refuse in a message, or undefined when SQS takes it.
 *
 * What is checked is what SQS receives: each attribute value as it is (attributes are sent
 * unescaped, so a control character or a lone surrogate in `eventType` or `correlationId` is
 * refused), and the body as serialised. The body is JSON, and `JSON.stringify` writes control
 * characters and lone surrogates as `\u0001`-style escapes, which SQS takes; only characters it
 * leaves as they are, U+FFFE and U+FFFF, remain to be refused there.
 */
export function refusedCharacterIn(message: OutgoingMessage): RefusedCharacter | undefined {
  // Tidings' attributes are named after the event fields they carry (`Header`).
  for (const [name, value] of Object.entries(message.attributes ?? {})) {
    const found = firstRefused(value);
    if (found) return { path: name, ...found };
  }
  const inBody = firstRefused(message.body);
  if (!inBody) return undefined;
  let envelope: unknown;
  try {
    envelope = JSON.parse(message.body);
  } catch {
    return { path: '(body)', ...inBody };
  }
  return locate(envelope, []) ?? { path: '(body)', ...inBody };
}

/**
 * Finds the string (a value or a key) whose JSON form holds a refused character. Each string
 * is tested as `JSON.stringify` writes it into the body, so the verdict is the body's.
 */
function locate(value: unknown, path: readonly string[]): RefusedCharacter | undefined {
  if (typeof value === 'string') {
    const found = firstRefused(JSON.stringify(value));
    if (!found) return undefined;
    const character = String.fromCodePoint(found.codePoint);
    return { path: pathText(path), codePoint: found.codePoint, index: value.indexOf(character) };
  }
  if (Array.isArray(value)) {
    for (const [index, element] of value.entries()) {
      const found = locate(element, [...path, String(index)]);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, element] of Object.entries(value)) {
      const member = path.length === 0 ? (EVENT_FIELD_OF[key] ?? key) : key;
      const inKey = firstRefused(JSON.stringify(key));
      if (inKey) {
        const character = String.fromCodePoint(inKey.codePoint);
        return {
          path: pathText([...path, member]),
          codePoint: inKey.codePoint,
          index: key.indexOf(character),
        };
      }
      const found = locate(element, [...path, member]);
      if (found) return found;
    }
  }
  return undefined;
}

function pathText(path: readonly string[]): string {
  return path.length === 0 ? '(root)' : escapeRefusedCharacters(path.join('.'));
}
