import { describe, expect, it } from 'vitest';
import { isPermanentError } from '../../lambdas/errors.ts';
import { MissingEventTypeError, MissingMessageIdError } from '../../lambdas/events/errors.ts';
import { isUuid } from '../../lambdas/events/ids.ts';
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
