import { NotificationError, SendError } from '../notifications/errors.ts';

/**
 * A sender was built with options it cannot work with (a malformed `fromAddress`, a webhook
 * secret that is not `whsec_` base64). Thrown by constructors, before anything is sent.
 * Permanent: the configuration has to change.
 */
export class SenderConfigurationError extends NotificationError {
  readonly permanent = true;

  constructor(
    /** The option that is wrong, e.g. `fromAddress`. */
    readonly option: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A webhook URL's host resolved to an address a webhook must never reach (loopback, private,
 * link-local such as the instance metadata service, and the like). Nothing was sent: the
 * check runs before connecting. Permanent, reason `ssrf-blocked`.
 */
export class SsrfBlockedError extends SendError {
  constructor(
    /** The URL's host name (or IP literal). */
    readonly host: string,
    /** The resolved address that was refused. */
    readonly address: string,
    /** Which range it falls in, e.g. `private (10.0.0.0/8)`. */
    readonly range: string,
  ) {
    super({
      channel: 'webhook',
      reason: 'ssrf-blocked',
      permanent: true,
      message: `webhook host "${host}" resolves to ${address}, which is ${range}: refused`,
    });
  }
}

/**
 * A webhook receiver answered with a status other than 2xx. `permanent` follows the status
 * (see `classifyWebhookResponse`); the first bytes of the response body are kept for the
 * dead-letter record.
 */
export class WebhookHttpError extends SendError {
  /** The URL's host. */
  readonly host: string;
  /** The HTTP status the receiver answered with. */
  readonly status: number;
  /** The start of the response body, at most the sender's `maxResponseBytes`, as UTF-8. */
  readonly responseBody: string;

  constructor(init: {
    readonly host: string;
    readonly status: number;
    readonly reason: string;
    readonly permanent: boolean;
    readonly message: string;
    readonly responseBody: string;
    readonly retryAfterSeconds?: number;
  }) {
    const { host, status, responseBody, ...rest } = init;
    super({ channel: 'webhook', ...rest });
    this.host = host;
    this.status = status;
    this.responseBody = responseBody;
  }
}
