import { describe, expect, it } from 'vitest';
import { isPermanentError } from '../../lambdas/errors.ts';
import { parseCloudEvent, toCloudEvent } from '../../lambdas/events/envelope.ts';
import { InvalidEnvelopeError } from '../../lambdas/events/errors.ts';
import { EVENT_ID, makeEvent, thrownBy } from '../helpers/events.ts';

function validEnvelope(): Record<string, unknown> {
  return { ...toCloudEvent(makeEvent(), 'tidings/users') };
}

describe('toCloudEvent / parseCloudEvent', () => {
  it('round-trips id, type, time, payload and every metadata field', () => {
    // Arrange
    const event = makeEvent({ payload: { userId: 'u-1', tags: ['a', 'b'], nested: { n: 1 } } });

    // Act
    const parsed = parseCloudEvent(JSON.stringify(toCloudEvent(event, 'tidings/users')));

    // Assert
    expect(parsed).toEqual({ ...event, source: 'tidings/users' });
  });

  it('builds a CloudEvents 1.0 structured envelope with the metadata as extensions', () => {
    // Act
    const envelope = toCloudEvent(makeEvent(), 'tidings/users');

    // Assert
    expect(envelope).toMatchObject({
      specversion: '1.0',
      id: EVENT_ID,
      source: 'tidings/users',
      datacontenttype: 'application/json',
      correlationid: 'corr-1',
      causationid: 'cause-1',
      partitionkey: 'user-1',
    });
  });

  it('round-trips an event without metadata and adds none', () => {
    // Arrange
    const event = {
      eventId: EVENT_ID,
      eventType: 'user.registered',
      payload: null,
      occurredAt: '2025-01-01T00:00:00.000Z',
    };

    // Act
    const parsed = parseCloudEvent(JSON.stringify(toCloudEvent(event, 'tidings/users')));

    // Assert
    expect(parsed).toEqual({ ...event, source: 'tidings/users' });
  });

  it('lower-cases an upper-case id', () => {
    // Arrange
    const body = JSON.stringify({ ...validEnvelope(), id: EVENT_ID.toUpperCase() });

    // Act
    const parsed = parseCloudEvent(body);

    // Assert
    expect(parsed.eventId).toBe(EVENT_ID);
  });
});

describe('parseCloudEvent', () => {
  it('throws a permanent InvalidEnvelopeError saying the body is not JSON', () => {
    // Act
    const error = thrownBy(() => parseCloudEvent('hello {'));

    // Assert
    expect(error).toBeInstanceOf(InvalidEnvelopeError);
    expect((error as Error).message).toMatch(/not JSON/);
    expect((error as Error).message).toContain('hello {');
    expect(isPermanentError(error)).toBe(true);
  });

  it('names each missing field', () => {
    // Arrange
    const { type: _type, source: _source, ...rest } = validEnvelope();

    // Act
    const error = thrownBy(() => parseCloudEvent(JSON.stringify(rest)));

    // Assert
    expect(error).toBeInstanceOf(InvalidEnvelopeError);
    const reason = (error as InvalidEnvelopeError).reason;
    expect(reason).toMatch(/\btype:/);
    expect(reason).toMatch(/\bsource:/);
    expect(isPermanentError(error)).toBe(true);
  });

  it.each([
    ['id', 'not-a-uuid'],
    ['time', 'yesterday'],
    ['specversion', '0.3'],
    ['type', ''],
    ['correlationid', ''],
  ])('names the invalid field %s', (field, value) => {
    // Arrange
    const body = JSON.stringify({ ...validEnvelope(), [field]: value });

    // Act
    const error = thrownBy(() => parseCloudEvent(body));

    // Assert
    expect(error).toBeInstanceOf(InvalidEnvelopeError);
    expect((error as InvalidEnvelopeError).reason).toMatch(new RegExp(`^${field}:|; ${field}:`));
  });

  it('refuses JSON that is not an object', () => {
    // Act
    const error = thrownBy(() => parseCloudEvent('[1,2]'));

    // Assert
    expect(error).toBeInstanceOf(InvalidEnvelopeError);
    expect((error as InvalidEnvelopeError).reason).toContain('(root)');
  });
});
