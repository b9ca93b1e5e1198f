// 'tidings/testing': in-memory fakes of every port and what a unit test of a team's routes
// needs, with no AWS account and no service running.

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
export { MemoryOutboxStore } from '../outbox/MemoryOutboxStore.ts';
export {
  type DeadLetter,
  MemoryQueue,
  type MemoryQueueOptions,
  type ReceivedMessage,
} from '../queue/MemoryQueue.ts';
export {
  type RenderedNotifications,
  type RenderNotificationsOptions,
  renderNotifications,
} from './renderNotifications.ts';
