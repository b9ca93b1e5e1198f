import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { MalformedRequestError } from './errors.ts';

/**
 * What the producer Lambda is invoked with: a Function URL or API Gateway HTTP API (payload
 * 2.0) event, an API Gateway REST API (v1) event, or, for a direct invoke, the registration
 * itself as JSON (`{ "email": "...", "name": "..." }`).
 */
export type ProducerEvent =
  | APIGatewayProxyEventV2
  | APIGatewayProxyEvent
  | Readonly<Record<string, unknown>>;

/** How the request arrived: the response takes the same form. */
export type ProducerTransport = 'http' | 'direct';

/** A producer request, read out of its event. */
export interface ProducerRequest {
  readonly transport: ProducerTransport;
  /** The registration input, not yet validated. */
  readonly input: unknown;
  /** API Gateway's request id, or the Lambda request id of a direct invoke. */
  readonly requestId?: string;
}

interface HttpEventLike {
  readonly requestContext: {
    readonly requestId?: unknown;
    readonly http?: { readonly method?: unknown };
  };
  readonly httpMethod?: unknown;
  readonly body?: unknown;
  readonly isBase64Encoded?: unknown;
}

/** Whether an event came through a Function URL or API Gateway (v1 or v2) rather than a direct invoke. */
export function isHttpEvent(event: unknown): boolean {
  if (typeof event !== 'object' || event === null) return false;
  const e = event as Partial<HttpEventLike> & { version?: unknown };
  return (
    typeof e.requestContext === 'object' &&
    e.requestContext !== null &&
    ('body' in e || typeof e.httpMethod === 'string' || typeof e.version === 'string')
  );
}

/**
 * Reads the registration out of a producer event. An HTTP event's body is decoded (base64
 * when flagged) and parsed as JSON; a direct invoke's event is the input itself.
 *
 * @throws MalformedRequestError for an HTTP request that is not a POST, or whose body is
 *   missing or not JSON.
 */
export function parseProducerEvent(
  event: unknown,
  context?: Pick<Context, 'awsRequestId'>,
): ProducerRequest {
  if (!isHttpEvent(event)) {
    return {
      transport: 'direct',
      input: event,
      ...(context?.awsRequestId ? { requestId: context.awsRequestId } : {}),
    };
  }
  const http = event as HttpEventLike;
  const method = http.requestContext.http?.method ?? http.httpMethod;
  if (typeof method === 'string' && method.toUpperCase() !== 'POST') {
    throw new MalformedRequestError(`method must be POST, got ${method}`, 405);
  }
  if (typeof http.body !== 'string' || http.body.length === 0) {
    throw new MalformedRequestError('body is empty: expected a JSON object');
  }
  const text =
    http.isBase64Encoded === true ? Buffer.from(http.body, 'base64').toString('utf8') : http.body;
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch {
    // Neither the body nor the parser's message (which quotes it) goes on: the error reaches
    // logs, and a body holds what the signup typed, its address included.
    throw new MalformedRequestError(`body is not JSON (${text.length} characters)`);
  }
  const requestId = http.requestContext.requestId;
  return {
    transport: 'http',
    input,
    ...(typeof requestId === 'string' && requestId ? { requestId } : {}),
  };
}
