import { describe, expect, it } from 'vitest';
import { MalformedRequestError } from '../../../examples/signup/http/errors.ts';
import {
  isHttpEvent,
  parseProducerEvent,
} from '../../../examples/signup/http/parseProducerEvent.ts';
import {
  makeFunctionUrlEvent,
  makeHttpApiEvent,
  makeLambdaContext,
  makeRestApiEvent,
} from '../../helpers/apiEvents.ts';
import { thrownBy } from '../../helpers/events.ts';

const INPUT = { email: 'ada@example.com', name: 'Ada' };

describe('parseProducerEvent', () => {
  it.each([
    ['a Function URL event', makeFunctionUrlEvent(INPUT, { requestId: 'r-1' })],
    ['an HTTP API (v2) event', makeHttpApiEvent(INPUT, { requestId: 'r-1' })],
    ['a REST API (v1) event', makeRestApiEvent(INPUT, { requestId: 'r-1' })],
    [
      'a base64 Function URL event',
      makeFunctionUrlEvent(INPUT, { base64: true, requestId: 'r-1' }),
    ],
    ['a base64 REST API event', makeRestApiEvent(INPUT, { base64: true, requestId: 'r-1' })],
  ])('reads the JSON body and request id of %s', (_, event) => {
    // Act
    const request = parseProducerEvent(event);

    // Assert
    expect(request).toEqual({ transport: 'http', input: INPUT, requestId: 'r-1' });
  });

  it('takes a direct invoke as the input itself, with the Lambda request id', () => {
    // Act
    const request = parseProducerEvent(INPUT, makeLambdaContext('lambda-1'));

    // Assert
    expect(request).toEqual({ transport: 'direct', input: INPUT, requestId: 'lambda-1' });
  });

  it('does not mistake a direct payload with a body field for an HTTP event', () => {
    expect(isHttpEvent({ email: 'ada@example.com', body: 'hi' })).toBe(false);
    expect(isHttpEvent(null)).toBe(false);
    expect(isHttpEvent(makeRestApiEvent(null))).toBe(true);
  });

  it.each([
    ['an empty body', makeFunctionUrlEvent(null), 'body is empty'],
    ['a REST API event without a body', makeRestApiEvent(null), 'body is empty'],
    ['a body that is not JSON', makeHttpApiEvent('email=ada'), 'body is not JSON (9 characters)'],
  ])('refuses %s with a 400 naming the problem', (_, event, reason) => {
    // Act
    const error = thrownBy(() => parseProducerEvent(event));

    // Assert
    expect(error).toBeInstanceOf(MalformedRequestError);
    expect(error).toMatchObject({ statusCode: 400, permanent: true });
    expect((error as MalformedRequestError).reason).toContain(reason);
  });

  it('refuses a method other than POST with a 405 naming it', () => {
    // Act
    const error = thrownBy(() => parseProducerEvent(makeRestApiEvent(INPUT, { method: 'PUT' })));

    // Assert
    expect(error).toMatchObject({ statusCode: 405, reason: 'method must be POST, got PUT' });
  });
});
