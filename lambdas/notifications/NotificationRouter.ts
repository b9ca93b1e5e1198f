import type { IntegrationEvent } from '../events/types.ts';
import {
  DuplicateMapperError,
  FrozenRouterError,
  MapperError,
  UnmappedEventTypeError,
} from './errors.ts';
import type { Notification, NotificationMapper } from './types.ts';

/**
 * Maps each event type to the notifications it causes.
 *
 * @example
 * const router = new NotificationRouter()
 *   .register<UserRegistered>('user.registered', (event) => [
 *     { kind: 'email', to: event.payload.email, subject: 'Welcome', body: 'Hello!' },
 *   ])
 *   .freeze();
 */
export class NotificationRouter {
  readonly #mappers: Map<string, NotificationMapper>;
  #frozen = false;

  /** @param mappers a table to start from; it is copied, so later changes to it do not show. */
  constructor(mappers?: ReadonlyMap<string, NotificationMapper>) {
    this.#mappers = new Map(mappers);
  }

  /**
   * Registers the mapper for one event type; chainable.
   * @throws DuplicateMapperError when the type already has a mapper (no silent replace).
   * @throws FrozenRouterError when the router is frozen.
   */
  register<P>(eventType: string, mapper: NotificationMapper<P>): this {
    if (!eventType.trim()) throw new TypeError('eventType must not be empty');
    if (this.#frozen) throw new FrozenRouterError(eventType);
    if (this.#mappers.has(eventType)) throw new DuplicateMapperError(eventType);
    this.#mappers.set(eventType, mapper as NotificationMapper);
    return this;
  }

  /** Whether a mapper is registered for `eventType`. */
  has(eventType: string): boolean {
    return this.#mappers.has(eventType);
  }

  /** The registered event types, in registration order. */
  eventTypes(): string[] {
    return [...this.#mappers.keys()];
  }

  /** Whether `register` is refused. */
  get frozen(): boolean {
    return this.#frozen;
  }

  /**
   * The notifications for an event; `[]` when its type has no mapper.
   * @throws MapperError carrying the event type and id when the mapper throws or returns
   *   something that is not an array.
   */
  resolve(event: IntegrationEvent): Notification[] {
    const mapper = this.#mappers.get(event.eventType);
    if (!mapper) return [];
    let notifications: unknown;
    try {
      notifications = mapper(event);
    } catch (error) {
      throw new MapperError(event.eventType, event.eventId, error);
    }
    if (!Array.isArray(notifications)) {
      throw new MapperError(
        event.eventType,
        event.eventId,
        new TypeError(`mapper returned ${typeof notifications}, expected an array`),
      );
    }
    return [...notifications];
  }

  /**
   * Like `resolve`, but an unmapped type is an error.
   * @throws UnmappedEventTypeError naming the type.
   */
  resolveOrThrow(event: IntegrationEvent): Notification[] {
    if (!this.#mappers.has(event.eventType)) {
      throw new UnmappedEventTypeError(event.eventType, event.eventId);
    }
    return this.resolve(event);
  }

  /**
   * Makes this router refuse further `register` calls, so the table a handler resolves with
   * cannot change after start-up; returns the router itself, to end a `register` chain.
   */
  freeze(): this {
    this.#frozen = true;
    return this;
  }
}
