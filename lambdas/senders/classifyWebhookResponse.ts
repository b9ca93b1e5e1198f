import { SendError } from '../notifications/errors.ts';
import { WebhookHttpError } from './errors.ts';

/** What the webhook sender saw of a response, for `classifyWebhookResponse`. */
export interface WebhookResponseInfo {
  /** The URL's host, for messages. */
  readonly host: string;
  readonly status: number;
  /** From `Retry-After`, parsed. */
  readonly retryAfterSeconds?: number | undefined;
  /** The `Location` header of a redirect. */
  readonly location?: string | undefined;
  /** The start of the body, already cut to the sender's limit. */
  readonly responseBody: string;
}

/** The first characters of a response body, for a message line. */
function snippet(body: string): string {
  const line = body.replace(/\s+/g, ' ').trim();
  if (!line) return '';
  return `: ${line.length > 200 ? `${line.slice(0, 200)}...` : line}`;
}

/**
 * Sorts a webhook response: 2xx is success (undefined); 408 and 429 are transient; 410 is
 * permanent (`gone`: the receiver removed the endpoint); 3xx is permanent (`redirect`: the
 * sender never follows one, since the target was not checked); other 4xx are permanent; 5xx
 * and anything else are transient. `Retry-After` is carried as `retryAfterSeconds`.
 */
export function classifyWebhookResponse(info: WebhookResponseInfo): WebhookHttpError | undefined {
  const { status, host } = info;
  if (status >= 200 && status < 300) return undefined;
  let reason = `http-${status}`;
  let permanent: boolean;
  let detail = '';
  if (status >= 300 && status < 400) {
    reason = 'redirect';
    permanent = true;
    detail = ` to ${JSON.stringify(info.location ?? '(no Location)')}; redirects are not followed`;
  } else if (status === 408 || status === 429) permanent = false;
  else if (status === 410) {
    reason = 'gone';
    permanent = true;
  } else permanent = status >= 400 && status < 500;
  const retry =
    info.retryAfterSeconds === undefined ? '' : `, retry after ${info.retryAfterSeconds}s`;
  return new WebhookHttpError({
    host,
    status,
    reason,
    permanent,
    message: `webhook to "${host}" answered ${status}${detail}${retry}${snippet(info.responseBody)}`,
    responseBody: info.responseBody,
    ...(info.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: info.retryAfterSeconds }),
  });
}

/**
 * Sorts an error from reaching a webhook receiver (no response at all): timeouts, resets,
 * refused connections, DNS failures, TLS failures and any other network error are transient,
 * with the error's `code` as the reason: the receiver may be back on the next attempt, and
 * the queue's `maxReceiveCount` still ends a hopeless one on the dead-letter queue. A
 * `SendError` is passed through.
 */
export function classifyWebhookError(error: unknown, host: string): SendError {
  if (error instanceof SendError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const reason = typeof code === 'string' && code ? code : 'network-error';
  const detail = error instanceof Error ? error.message : String(error);
  return new SendError({
    channel: 'webhook',
    reason,
    permanent: false,
    message: `webhook to "${host}" failed (${reason}): ${detail}`,
    cause: error,
  });
}
