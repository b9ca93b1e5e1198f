import { SenderConfigurationError } from './errors.ts';

/** The keys of the rotation form of a stored webhook secret. */
const ROTATION_KEYS: ReadonlySet<string> = new Set(['current', 'previous']);

/**
 * Secrets Manager cannot generate a `whsec_`-prefixed value, so the secret the CDK construct
 * creates is the bare base64 key; Standard Webhooks secrets are that key with the prefix.
 */
export function asWebhookSecret(value: string): string {
  const trimmed = value.trim();
  return trimmed.startsWith('whsec_') ? trimmed : `whsec_${trimmed}`;
}

function invalid(message: string): SenderConfigurationError {
  return new SenderConfigurationError('secret', `stored webhook secret ${message}`);
}

/**
 * Reads the webhook signing secret as stored (in Secrets Manager): a single secret,
 * `whsec_<base64>` or the bare base64 the CDK construct generates, or, while it is being
 * rotated, the JSON object `{ "current": "<secret>", "previous": "<secret>" }`. Returns the
 * secrets to sign with, the current one first; an empty, null or absent `previous` is left
 * out, as is one equal to `current`. Messages never quote the value.
 *
 * @example
 * parseWebhookSecret('{"current":"whsec_bmV3...","previous":"whsec_b2xk..."}');
 * // ['whsec_bmV3...', 'whsec_b2xk...']: webhooks carry a signature by each
 * @throws SenderConfigurationError (permanent) for an empty value, a value that starts with
 *   `{` but is not such an object, an unknown key (a misspelt `previous` would silently drop
 *   the signature receivers still verify), or a `current` that is missing or empty.
 */
export function parseWebhookSecret(value: string): readonly string[] {
  const trimmed = value.trim();
  if (trimmed === '') throw invalid('is empty');
  if (!trimmed.startsWith('{')) return [asWebhookSecret(trimmed)];
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    // The parser's message quotes the text, which is the secret: it is not passed on.
    throw invalid('starts with "{" but is not JSON: expected {"current": ..., "previous": ...}');
  }
  // JSON text that starts with "{" can only be an object.
  const fields = parsed as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((key) => !ROTATION_KEYS.has(key));
  if (unknown.length > 0) {
    throw invalid(
      `has unknown keys ${unknown.map((key) => JSON.stringify(key)).join(', ')}: only "current" and "previous" are read`,
    );
  }
  const { current, previous } = fields;
  if (typeof current !== 'string' || current.trim() === '') {
    throw invalid('has no "current" secret: it must be a non-empty string');
  }
  if (previous !== undefined && previous !== null && typeof previous !== 'string') {
    throw invalid(`has a "previous" that is a ${typeof previous}, not a string`);
  }
  const secrets = [asWebhookSecret(current)];
  if (typeof previous === 'string' && previous.trim() !== '') {
    const old = asWebhookSecret(previous);
    if (old !== secrets[0]) secrets.push(old);
  }
  return secrets;
}
