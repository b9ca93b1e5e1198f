import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
  Context,
  LambdaFunctionURLEvent,
} from 'aws-lambda';

/** Options shared by the HTTP event factories. */
export interface HttpEventOptions {
  /** @default 'POST' */
  readonly method?: string;
  /** Send the body base64-encoded, as API Gateway does for binary media types. */
  readonly base64?: boolean;
  /** @default 'req-1' */
  readonly requestId?: string;
}

/** The body as an HTTP event carries it: JSON for objects, as-is for strings, absent for null. */
function bodyOf(body: unknown, base64: boolean | undefined): string | undefined {
  if (body === null || body === undefined) return undefined;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return base64 ? Buffer.from(text, 'utf8').toString('base64') : text;
}

/** A Lambda Function URL event (payload format 2.0) for `POST /`. */
export function makeFunctionUrlEvent(
  body: unknown,
  options: HttpEventOptions = {},
): LambdaFunctionURLEvent {
  const method = options.method ?? 'POST';
  const encoded = bodyOf(body, options.base64);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', host: 'abc.lambda-url.us-east-1.on.aws' },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'abc',
      domainName: 'abc.lambda-url.us-east-1.on.aws',
      domainPrefix: 'abc',
      http: {
        method,
        path: '/',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'vitest',
      },
      requestId: options.requestId ?? 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '01/Jan/2025:00:00:00 +0000',
      timeEpoch: Date.UTC(2025, 0, 1),
    },
    isBase64Encoded: options.base64 ?? false,
    ...(encoded === undefined ? {} : { body: encoded }),
  };
}

/** An API Gateway HTTP API event (payload format 2.0) for `POST /users`. */
export function makeHttpApiEvent(
  body: unknown,
  options: HttpEventOptions = {},
): APIGatewayProxyEventV2 {
  const event = makeFunctionUrlEvent(body, options);
  return {
    ...event,
    routeKey: 'POST /users',
    rawPath: '/users',
    requestContext: {
      ...event.requestContext,
      accountId: '000000000000',
      domainName: 'api.example.com',
      http: { ...event.requestContext.http, path: '/users' },
      routeKey: 'POST /users',
    },
  };
}

/** An API Gateway REST API (v1 proxy) event for `POST /users`. */
export function makeRestApiEvent(
  body: unknown,
  options: HttpEventOptions = {},
): APIGatewayProxyEvent {
  const method = options.method ?? 'POST';
  return {
    resource: '/users',
    path: '/users',
    httpMethod: method,
    headers: { 'Content-Type': 'application/json' },
    multiValueHeaders: { 'Content-Type': ['application/json'] },
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    isBase64Encoded: options.base64 ?? false,
    body: bodyOf(body, options.base64) ?? null,
    requestContext: {
      accountId: '000000000000',
      apiId: 'rest1',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: method,
      path: '/prod/users',
      stage: 'prod',
      requestId: options.requestId ?? 'req-1',
      requestTimeEpoch: Date.UTC(2025, 0, 1),
      resourceId: 'res1',
      resourcePath: '/users',
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '127.0.0.1',
        user: null,
        userAgent: 'vitest',
        userArn: null,
      },
    },
  };
}

/** A Lambda context with a fixed request id and plenty of time left. */
export function makeLambdaContext(awsRequestId = 'lambda-req-1'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'tidings-producer',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:tidings-producer',
    memoryLimitInMB: '256',
    awsRequestId,
    logGroupName: '/aws/lambda/tidings-producer',
    logStreamName: '2025/01/01/[$LATEST]0',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
