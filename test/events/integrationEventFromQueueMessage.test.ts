import { describe, expect, it } from 'vitest';
import { isPermanentError } from '../../lambdas/errors.ts';
import { MissingEventTypeError, MissingMessageIdError } from '../../lambdas/events/errors.ts';
import { isUuid, uuidv5 } from '../../lambdas/events/ids.ts';
import {
  headersForEvent,
  integrationEventFromQueueMessage,
} from '../../lambdas/events/integrationEventFromQueueMessage.ts';
import { Header } from '../../lambdas/events/types.ts';
import {
  EVENT_ID,
  makeEvent,
  makeQueueMessage,
  queueMessageFor,
  T0,
  thrownBy,
} from '../helpers/events.ts';

describe('integrationEventFromQueueMessage', () => {
  describe('event id', () => {
    it('keeps a valid eventId header, lower-cased', () => {
      // Arrange
      const message = makeQueueMessage({ headers: { [Header.EVENT_ID]: EVENT_ID.toUpperCase() } });

      // Act
      const event = integrationEventFromQueueMessage(message);

      // Assert
      expect(event.eventId).toBe(EVENT_ID);
    });

    it('derives the same UUID when the same message is read twice without a header', () => {
      // Arrange
      const message = makeQueueMessage({ id: 'msg-1', headers: {} });

      // Act
      const first = integrationEventFromQueueMessage(message);
      const second = integrationEventFromQueueMessage({ ...message, receiveCount: 2 });

      // Assert
      expect(isUuid(first.eventId)).toBe(true);
      expect(second.eventId).toBe(first.eventId);
    });

    it('derives different ids for different message ids', () => {
      // Act
      const a = integrationEventFromQueueMessage(makeQueueMessage({ id: 'msg-1' }));
      const b = integrationEventFromQueueMessage(makeQueueMessage({ id: 'msg-2' }));

      // Assert
      expect(a.eventId).not.toBe(b.eventId);
    });

    it('derives different ids for the same message id on different queues', () => {
      // Act
      const a = integrationEventFromQueueMessage(makeQueueMessage({ id: 'msg-1', queue: 'a' }));
      const b = integrationEventFromQueueMessage(makeQueueMessage({ id: 'msg-1', queue: 'b' }));

      // Assert
      expect(a.eventId).not.toBe(b.eventId);
    });

    it('never uses a UUID-shaped key as the id', () => {
      // Arrange
      const message = makeQueueMessage({ key: EVENT_ID, headers: {} });

      // Act
      const event = integrationEventFromQueueMessage(message);

      // Assert
      expect(event.eventId).not.toBe(EVENT_ID);
      expect(event.orderingKey).toBe(EVENT_ID);
    });

    it('falls back to the derived id when the eventId header is not a UUID', () => {
      // Arrange
      const withoutHeader = makeQueueMessage({ id: 'msg-1', headers: {} });
      const withBadHeader = makeQueueMessage({
        id: 'msg-1',
        headers: { [Header.EVENT_ID]: 'evt-42' },
      });

      // Act
      const derived = integrationEventFromQueueMessage(withoutHeader);
      const fallback = integrationEventFromQueueMessage(withBadHeader);

      // Assert
      expect(fallback.eventId).toBe(derived.eventId);
      expect(fallback.eventId).not.toBe('evt-42');
    });

    it('throws a permanent MissingMessageIdError naming the queue when the message id is empty and there is no usable header', () => {
      // Arrange
      const message = makeQueueMessage({
        id: '',
        queue: 'orders',
        headers: { [Header.EVENT_ID]: 'nope' },
      });

      // Act
      const error = thrownBy(() => integrationEventFromQueueMessage(message));

      // Assert
      expect(error).toBeInstanceOf(MissingMessageIdError);
      expect((error as MissingMessageIdError).queue).toBe('orders');
      expect((error as Error).message).toContain('"orders"');
      expect(isPermanentError(error)).toBe(true);
    });

    it('accepts an empty message id when the header carries a valid id', () => {
      // Arrange
      const message = makeQueueMessage({ id: '', headers: { [Header.EVENT_ID]: EVENT_ID } });

      // Act
      const event = integrationEventFromQueueMessage(message);

      // Assert
      expect(event.eventId).toBe(EVENT_ID);
    });
  });

  describe('a message without headers', () => {
    it('is read as one with no headers: the id is derived from the queue and message id', () => {
      // Arrange
      const { headers: _, ...message } = makeQueueMessage({ id: 'msg-1', queue: 'orders' });
      const withEmptyHeaders = makeQueueMessage({ id: 'msg-1', queue: 'orders', headers: {} });

      // Act
      const event = integrationEventFromQueueMessage(message, { clock: () => T0 });

      // Assert
      expect('headers' in message).toBe(false);
      expect(event.eventId).toBe(uuidv5('orders:msg-1'));
      expect(event).toEqual(
        integrationEventFromQueueMessage(withEmptyHeaders, { clock: () => T0 }),
      );
    });

    it('throws the permanent MissingMessageIdError, not a TypeError, when its message id is empty too', () => {
      // Arrange
      const { headers: _, ...message } = makeQueueMessage({ id: '', queue: 'orders' });

      // Act
      const error = thrownBy(() => integrationEventFromQueueMessage(message));

      // Assert
      expect(error).toBeInstanceOf(MissingMessageIdError);
      expect(isPermanentError(error)).toBe(true);
    });
  });

  describe('occurredAt without an occurredAt header', () => {
    it('is the time the message was sent, when it says', () => {
      // Arrange
      const sentAt = T0 + 1_234;
      const message = makeQueueMessage({ headers: {}, sentAt });

      // Act
      const event = integrationEventFromQueueMessage(message, { clock: () => T0 + 60_000 });

      // Assert
      expect(event.occurredAt).toBe(new Date(sentAt).toISOString());
    });

    it("is the clock's now when the message does not say when it was sent", () => {
      // Arrange
      const message = makeQueueMessage({ headers: {} });

      // Act
      const event = integrationEventFromQueueMessage(message, { clock: () => T0 + 60_000 });

      // Assert
      expect(event.occurredAt).toBe(new Date(T0 + 60_000).toISOString());
    });

    it("is the clock's now when sentAt is not a number of milliseconds", () => {
      // Arrange
      const message = makeQueueMessage({ headers: {}, sentAt: Number.NaN });

      // Act
      const event = integrationEventFromQueueMessage(message, { clock: () => T0 });

      // Assert
      expect(event.occurredAt).toBe(new Date(T0).toISOString());
    });

    it('is the real now, never the epoch, when no clock is given', () => {
      // Arrange
      const before = Date.now();

      // Act
      const event = integrationEventFromQueueMessage(makeQueueMessage({ headers: {} }));

      // Assert
      const at = Date.parse(event.occurredAt);
      expect(at).toBeGreaterThanOrEqual(before);
      expect(at).toBeLessThanOrEqual(Date.now());
    });

    it('gives way to the header when there is one', () => {
      // Arrange
      const message = makeQueueMessage({
        headers: { [Header.OCCURRED_AT]: '2025-03-04T05:06:07.000Z' },
        sentAt: T0,
      });

      // Act
      const event = integrationEventFromQueueMessage(message, { clock: () => T0 });

      // Assert
      expect(event.occurredAt).toBe('2025-03-04T05:06:07.000Z');
    });
  });

  it('throws a permanent MissingEventTypeError naming the message when the type is missing', () => {
    // Arrange
    const message = makeQueueMessage({ id: 'msg-9', type: '' });

    // Act
    const error = thrownBy(() => integrationEventFromQueueMessage(message));

    // Assert
    expect(error).toBeInstanceOf(MissingEventTypeError);
    expect((error as MissingEventTypeError).messageId).toBe('msg-9');
    expect(isPermanentError(error)).toBe(true);
  });

  it('carries correlationId, causationId, traceparent, the key as orderingKey, and occurredAt', () => {
    // Arrange
    const message = makeQueueMessage({
      key: 'user-7',
      headers: {
        [Header.CORRELATION_ID]: 'corr-9',
        [Header.CAUSATION_ID]: 'cause-9',
        [Header.TRACEPARENT]: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        [Header.OCCURRED_AT]: '2025-03-04T05:06:07.000Z',
      },
      payload: { userId: 'u-7' },
    });

    // Act
    const event = integrationEventFromQueueMessage(message);

    // Assert
    expect(event).toMatchObject({
      eventType: 'user.registered',
      payload: { userId: 'u-7' },
      correlationId: 'corr-9',
      causationId: 'cause-9',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      orderingKey: 'user-7',
      occurredAt: '2025-03-04T05:06:07.000Z',
    });
  });

  it('leaves absent metadata out instead of setting it to undefined', () => {
    // Arrange
    const message = makeQueueMessage({ headers: {} });

    // Act
    const event = integrationEventFromQueueMessage(message);

    // Assert
    expect(Object.keys(event).sort()).toEqual(['eventId', 'eventType', 'occurredAt', 'payload']);
  });

  it('round-trips an event through headersForEvent', () => {
    // Arrange
    const event = makeEvent();

    // Act
    const read = integrationEventFromQueueMessage(queueMessageFor(event));

    // Assert
    expect(read).toEqual(event);
  });

  it('headersForEvent leaves the ordering key to the message key', () => {
    // Act
    const headers = headersForEvent(makeEvent({ orderingKey: 'user-1' }));

    // Assert
    expect(Object.values(headers)).not.toContain('user-1');
    expect(headers[Header.EVENT_ID]).toBe(EVENT_ID);
  });
});
