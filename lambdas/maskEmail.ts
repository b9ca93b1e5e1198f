/**
 * Anything an address could be, valid or not: a run of characters, one or more at signs
 * (the fullwidth and small forms too), and what follows up to a separator or a `/`. It covers
 * `ada@example.com`, `ada@@example`, `bounces+ada=example.com@mail.example` and the userinfo of
 * a URL. Whitespace, quotes, brackets, the separators around an address in prose or JSON
 * (`,;:`) and the `#` of a DynamoDB key (`EMAIL#ada@example.com`) end it.
 */
const ADDRESS_LIKE =
  /[^\s"'`<>()[\]{},;:#\\@\uFF20\uFE6B]+[@\uFF20\uFE6B]+[^\s"'`<>()[\]{},;:#\\/@\uFF20\uFE6B]*/gu;
const AT = /[@\uFF20\uFE6B]/u;

/**
 * Masks an email address for logs: the first character of the local part, `***`, `@` and the
 * domain, so a log line still tells domains apart without holding the address. Masking a
 * masked address gives it back unchanged.
 *
 * @example
 * maskEmail('ada@example.com'); // 'a***@example.com'
 */
export function maskEmail(address: string): string {
  const at = address.search(AT);
  if (at < 0) return '***';
  const domain = address.slice(at).replace(/^[@\uFF20\uFE6B]+/u, '');
  const first = Array.from(address.slice(0, at))[0] ?? '';
  return `${first}***@${domain}`;
}

/**
 * Masks every address-like part of free text (a provider's error message, an error's
 * description) with `maskEmail`, for a log line; the rest of the text is left as it was.
 * Text a log line quotes from outside (an error message, a reason) goes through this first.
 *
 * @example
 * maskEmails('MessageRejected: identities failed the check: ada@example.com');
 * // 'MessageRejected: identities failed the check: a***@example.com'
 */
export function maskEmails(text: string): string {
  return text.replace(ADDRESS_LIKE, maskEmail);
}
