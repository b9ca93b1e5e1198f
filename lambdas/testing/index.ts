// 'tidings/testing': in-memory stand-ins for the table, the queue, the ledger and the
// providers, for tests of code built on Tidings. They need no AWS account and nothing
// installed beyond 'tidings'.

export { MemoryLedger, type MemoryLedgerOptions } from '../ledger/MemoryLedger.ts';
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
