import type { StoredEvent } from './outboxItem.ts';
import { type PayloadSchemas, validateEventPayload } from './payloadSchemas.ts';

/**
 * The part of an outbox spec the relay and the sweeper validate committed payloads with: its
 * name (which outbox items carry) and one Standard Schema, or a map of event type to schema.
 */
export interface RelayedOutbox {
  readonly name: string;
  readonly schema: PayloadSchemas;
}

/**
 * Builds the check the stream relay and the sweeper run on every committed outbox item before
 * it is relayed: the payload must pass its event type's schema in the outbox the item names.
 * Validated, not replaced: the queue gets the payload as committed. Items of outboxes not in
 * `outboxes` pass unchecked.
 *
 * @returns a function that throws `PayloadValidationError` or `UnknownEventTypeError` (both
 *   permanent) for an item that must be dead-lettered instead of relayed.
 */
export function committedPayloadCheck(
  outboxes: readonly RelayedOutbox[],
): (stored: StoredEvent) => void {
  const byName = new Map(outboxes.map((outbox) => [outbox.name, outbox]));
  return (stored) => {
    const spec = byName.get(stored.outbox);
    if (!spec) return;
    validateEventPayload(
      spec.schema,
      stored.event.payload,
      `outbox "${spec.name}"`,
      stored.event.eventType,
    );
  };
}
