import * as z from 'zod/mini';
import { SenderConfigurationError } from './errors.ts';

const emailAddress = z.email();
const NAMED_ADDRESS = /^([^<>]*)<([^<>]+)>$/;
const NON_ASCII = /\P{ASCII}/u;
/** Anything but printable ASCII: non-ASCII characters, and controls that would break a header. */
const NEEDS_ENCODING = /[^\x20-\x7E]/;
/** UTF-8 bytes per encoded-word: 60 base64 characters, 72 with `=?UTF-8?B?` and `?=`. */
const WORD_BYTES = 45;

/**
 * Checks a sender's `fromAddress` and returns it as SES v2 takes `FromEmailAddress`: 7-bit
 * ASCII, so a display name with other characters (or controls) is MIME-encoded as RFC 2047
 * encoded-words: `Tidings Café <no-reply@example.com>` is sent as
 * `=?UTF-8?B?VGlkaW5ncyBDYWbDqQ==?= <no-reply@example.com>`. A printable ASCII value is
 * returned as given, trimmed. Run once, when the sender is built, not on every send.
 *
 * @throws SenderConfigurationError (`fromAddress`) when the value is not an address or
 *   `Name <address>`, or the address itself is not ASCII: SES does not take SMTPUTF8, so the
 *   local part must be ASCII and an international domain written in punycode (`xn--...`).
 */
export function sesFromAddress(fromAddress: unknown): string {
  const value = typeof fromAddress === 'string' ? fromAddress.trim() : '';
  const named = NAMED_ADDRESS.exec(value);
  const address = named?.[2] ?? value;
  if (NON_ASCII.test(address)) {
    throw new SenderConfigurationError(
      'fromAddress',
      `fromAddress must have an ASCII address (SES takes no SMTPUTF8; write an international domain in punycode, xn--...): ${JSON.stringify(fromAddress)}`,
    );
  }
  if (!emailAddress.safeParse(address).success) {
    throw new SenderConfigurationError(
      'fromAddress',
      `fromAddress must be an email address or "Name <address>": ${JSON.stringify(fromAddress)}`,
    );
  }
  const name = named?.[1]?.trim() ?? '';
  if (!NEEDS_ENCODING.test(name)) return value;
  return `${encodedWords(unquoted(name))} <${address}>`;
}

/** The text of a display name written as an RFC 5322 quoted string (`"Café, Inc."`). */
function unquoted(name: string): string {
  return name.length >= 2 && name.startsWith('"') && name.endsWith('"')
    ? name.slice(1, -1).replace(/\\(.)/g, '$1')
    : name;
}

/**
 * `text` as RFC 2047 `B` encoded-words in UTF-8, split so each word stays within the
 * 75-character limit and holds whole characters; a reader joins adjacent words without the
 * space between them.
 */
function encodedWords(text: string): string {
  const words: string[] = [];
  let chunk = '';
  for (const char of text) {
    if (Buffer.byteLength(chunk + char, 'utf8') > WORD_BYTES) {
      words.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  if (chunk) words.push(chunk);
  return words
    .map((word) => `=?UTF-8?B?${Buffer.from(word, 'utf8').toString('base64')}?=`)
    .join(' ');
}
