import type { IntegrationEvent } from '../events/types.ts';
import type { NotificationsDefinition } from '../notifications/defineNotifications.ts';
import { UnmappedEventTypeError } from '../notifications/errors.ts';
import type { Notification } from '../notifications/types.ts';
import {
  type ValidateNotificationOptions,
  validateNotification,
} from '../notifications/validateNotification.ts';
import type { StageOptions } from '../outbox/defineOutbox.ts';
import type { EventSchemas, EventTypeOf, PayloadInput } from '../outbox/payloadSchemas.ts';

/** Options of {@link renderNotifications}. */
export interface RenderNotificationsOptions extends StageOptions, ValidateNotificationOptions {}

/** What one event's route produced, as the consumer would send it. */
export interface RenderedNotifications<P = unknown> {
  /** The event as staged: validated payload, id, time and metadata. */
  readonly event: IntegrationEvent<P>;
  /** The notifications, each checked as the consumer checks it before sending. */
  readonly notifications: readonly Notification[];
}

/**
 * Renders what one event of a notifications module sends, without AWS and without a queue: the
 * payload is staged as a producer stages it (validated with its type's schema), the event is
 * routed, and each notification is validated as the consumer validates it before sending.
 * A unit test of a team's routes needs nothing else.
 *
 * @throws UnknownEventTypeError when the module declares no such event type.
 * @throws PayloadValidationError naming the fields the schema rejects.
 * @throws UnmappedEventTypeError when the type has no route.
 * @throws MapperError when the route throws.
 * @throws InvalidNotificationError or UnknownNotificationKindError for a notification the
 *   consumer would dead-letter instead of sending.
 *
 * @example
 * ```ts
 * const { notifications: sent } = renderNotifications(notifications, 'invoice.paid', {
 *   invoiceId: 'inv-1',
 *   email: 'ada@example.com',
 * });
 * expect(sent).toEqual([expect.objectContaining({ kind: 'email', to: 'ada@example.com' })]);
 * ```
 */
export function renderNotifications<E extends EventSchemas, T extends EventTypeOf<E>>(
  notifications: NotificationsDefinition<E>,
  eventType: T,
  payload: PayloadInput<E, T>,
  options: RenderNotificationsOptions = {},
): RenderedNotifications {
  const { allowLoopbackHttp, ...stage } = options;
  const event = notifications.outbox.stage(eventType, payload, stage) as IntegrationEvent;
  const { router } = notifications;
  if (!router.has(event.eventType)) {
    throw new UnmappedEventTypeError(event.eventType, event.eventId);
  }
  const rendered = router
    .resolve(event)
    .map((notification) =>
      validateNotification(notification, allowLoopbackHttp ? { allowLoopbackHttp } : {}),
    );
  return { event, notifications: rendered };
}
