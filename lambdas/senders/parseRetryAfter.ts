/**
 * Seconds to wait from an HTTP `Retry-After` value: a number of seconds, or an HTTP date
 * (measured against `now`, epoch ms; a date in the past gives 0). Undefined when the value is
 * missing or neither form.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text);
  // Every HTTP date form starts with a weekday; this keeps out the odd strings Date.parse takes.
  if (!/^[A-Za-z]{3,9},? /.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}
