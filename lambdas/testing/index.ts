// 'tidings/testing': in-memory stand-ins for the table, the queue, the ledger and the
// providers, and what a unit test of a team's routes needs. They need no AWS account and
// nothing installed beyond 'tidings'.

export { queueMessageFromReceived } from '../events/queueMessageFromReceived.ts';
export { MemoryLedger, type MemoryLedgerOptions } from '../ledger/MemoryLedger.ts';
export {
  createMemoryPipeline,
  type DeliveryReport,
  type LocalPipeline,
  type LocalPipelineOptions,
  type SentEmail,
} from '../local/LocalPipeline.ts';
export {
  type FaultInjector,
  type RecordedSend,
  RecordingSenders,
} from '../notifications/RecordingSenders.ts';
export { MemoryOutboxStore, type MemoryOutboxStoreOptions } from '../outbox/MemoryOutboxStore.ts';
export { QueueUnavailableError } from '../queue/errors.ts';
export {
  type DeadLetter,
  type EntryFault,
  MemoryQueue,
  type MemoryQueueFaults,
  type MemoryQueueOptions,
  type QueuedMessage,
  type QueueStats,
  type ReceivedMessage,
} from '../queue/MemoryQueue.ts';
export {
  type RenderedNotifications,
  type RenderNotificationsOptions,
  renderNotifications,
} from './renderNotifications.ts';
