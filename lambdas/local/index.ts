// 'tidings/local': stand-ins for AWS plumbing, for local runs and integration tests.

export { createLedgerTable, createTidingsTable } from './createTables.ts';
export { type DynamoDbLocal, LOCAL_AWS_CONFIG, startDynamoDbLocal } from './DynamoDbLocal.ts';
export { LocalServiceError, MissingPeerDependencyError } from './errors.ts';
export {
  createDynamoDbLocalPipeline,
  createMemoryPipeline,
  type DeliveryReport,
  type DynamoDbLocalPipelineOptions,
  type LocalPipeline,
  type LocalPipelineOptions,
  type MemoryPipelineOptions,
  type SentEmail,
} from './LocalPipeline.ts';
export { matchesFilter } from './matchesFilter.ts';
export { type LocalEmail, type SesLocal, sesLocalMailbox, startSesLocal } from './SesLocal.ts';
export { SqsEventPump } from './SqsEventPump.ts';
export { StreamPoller, type StreamPollerOptions } from './StreamPoller.ts';
