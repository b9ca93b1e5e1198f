// The public API of Tidings: `import { ... } from 'tidings'`. Everything not listed here is
// internal. Local-run tools (DynamoDB Local, the stream poller, SES local) are in
// 'tidings/local'; the CDK construct is in 'tidings/cdk'.

export {
  DynamoDbPendingOutbox,
  type DynamoDbPendingOutboxOptions,
} from './aws/DynamoDbPendingOutbox.ts';
export {
  createTransactWriteClient,
  DynamoDbTransactWriter,
  type DynamoDbTransactWriterOptions,
} from './aws/DynamoDbTransactWriter.ts';
export {
  DeadLetterAttribute,
  type DeadLetterInfo,
  type DeadLetterReceipt,
  type DeadLetterSink,
  outboxItemDeadLetters,
  sqsRecordDeadLetters,
  streamRecordDeadLetters,
} from './aws/deadLetter.ts';
export { AwsError, DynamoDbRequestError, TransactionContentionError } from './aws/errors.ts';
export { SqsQueueSender, type SqsQueueSenderOptions } from './aws/SqsQueueSender.ts';
export {
  type ConsumeReport,
  type ConsumerLogger,
  type ConsumerMetrics,
  type ConsumerRetryOptions,
  consumeSqsRecords,
  maxReceiveCountFromEnv,
  type SqsConsumerBaseOptions,
  type SqsConsumerOptions,
  SqsVisibilityChanger,
  type UnmappedEventOptions,
  visibilityBackoffSeconds,
} from './aws/sqsConsumer.ts';
export {
  relayStreamRecords,
  type StreamRelayOptions,
  type StreamRelayReport,
} from './aws/streamRelay.ts';

export { Env, Metrics } from './constants.ts';
export {
  type ConsumerHandler,
  type ConsumerHandlerDeps,
  type ConsumerLedgerOptions,
  consumerLambdaHandler,
  createConsumerHandler,
} from './consumer.ts';
export { describeError, isPermanentError, TidingsError } from './errors.ts';

export { type CloudEventEnvelope, parseCloudEvent, toCloudEvent } from './events/envelope.ts';
export {
  EventError,
  InvalidEnvelopeError,
  MissingEventTypeError,
  MissingMessageIdError,
} from './events/errors.ts';
export { type Clock, isUuid, type RandomBytes, uuidv5, uuidv7 } from './events/ids.ts';
export {
  headersForEvent,
  type IntegrationEventOptions,
  integrationEventFromQueueMessage,
} from './events/integrationEventFromQueueMessage.ts';
export {
  queueMessageFromEnvelope,
  type RawQueueMessage,
} from './events/queueMessageFromEnvelope.ts';
export { queueMessageFromReceived } from './events/queueMessageFromReceived.ts';
export {
  type EnvelopeMetadata,
  Header,
  type IntegrationEvent,
  type QueueMessage,
} from './events/types.ts';

export {
  type ClaimAnswer,
  ClaimLostError,
  DynamoDbLedger,
  type DynamoDbLedgerOptions,
  type LeaseReportingLedger,
  LedgerError,
  LedgerStoreError,
  MemoryLedger,
  type MemoryLedgerOptions,
} from './ledger/index.ts';

export {
  type DefineNotificationsOptions,
  defineNotifications,
  type EventRoutes,
  isNotificationsDefinition,
  type NotificationsDefinition,
} from './notifications/defineNotifications.ts';
export { dispatchNotification } from './notifications/dispatchNotification.ts';
export {
  DuplicateMapperError,
  FrozenRouterError,
  InvalidNotificationError,
  MapperError,
  NotificationDeliveryError,
  NotificationError,
  NotificationInProgressError,
  SendError,
  UnknownNotificationKindError,
  UnmappedEventTypeError,
} from './notifications/errors.ts';
export { NotificationRouter } from './notifications/NotificationRouter.ts';
export {
  type LedgerOptions,
  type NotificationOutcome,
  type ProcessNotificationOptions,
  type ProcessResult,
  processNotificationEvent,
  processNotificationMessage,
} from './notifications/processNotificationMessage.ts';
export {
  type FaultInjector,
  type RecordedSend,
  RecordingSenders,
} from './notifications/RecordingSenders.ts';
export {
  type ClaimOutcome,
  type EmailNotification,
  type Notification,
  NotificationKind,
  type NotificationLedger,
  type NotificationMapper,
  type NotificationOrigin,
  type NotificationSenders,
  type PushNotification,
  type SendContext,
  type SendResult,
  type WebhookNotification,
} from './notifications/types.ts';
export {
  type ValidateNotificationOptions,
  validateNotification,
} from './notifications/validateNotification.ts';

export { defineOutbox, type OutboxSpec, type StageOptions } from './outbox/defineOutbox.ts';
export { defineQueue, type QueueSpec } from './outbox/defineQueue.ts';
export {
  AsyncSchemaError,
  CorruptOutboxItemError,
  OutboxError,
  OutboxSetAsideError,
  PayloadValidationError,
  type SchemaIssue,
  TransactionCanceledError,
  UnknownEventTypeError,
} from './outbox/errors.ts';
export {
  MessageCharacterError,
  TransactionLimit,
  TransactionLimitError,
} from './outbox/limitErrors.ts';
export {
  type MemoryItemKey,
  MemoryOutboxStore,
  type MemoryOutboxStoreOptions,
} from './outbox/MemoryOutboxStore.ts';
export {
  OutboxRelay,
  type OutboxRelayOptions,
  type OutboxRelayReport,
  type UnrelayableOutcome,
} from './outbox/OutboxRelay.ts';
export { fromOutboxItem, type OutboxItem, outboxKey, toOutboxItem } from './outbox/outboxItem.ts';
export {
  type OutboxEntry,
  outboxTransactItem,
  transactWriteWithOutbox,
} from './outbox/outboxTransactItem.ts';
export type {
  EventSchemas,
  EventTypeOf,
  PayloadInput,
  PayloadOutput,
  PayloadSchemas,
} from './outbox/payloadSchemas.ts';
export { type RelayReport, relayEvents, toOutgoingMessage } from './outbox/relayEvents.ts';
export {
  LEDGER_TABLE_DEFINITION,
  OUTBOX_STREAM_FILTER,
  TABLE_DEFINITION,
} from './outbox/tableDefinition.ts';
export type {
  OutboxItemKey,
  PendingOutbox,
  TransactItems,
  TransactWriter,
} from './outbox/types.ts';

export { QueueError, ReceiptHandleInvalidError } from './queue/errors.ts';
export {
  type DeadLetter,
  MemoryQueue,
  type MemoryQueueOptions,
  type ReceivedMessage,
} from './queue/MemoryQueue.ts';
export type {
  OutgoingMessage,
  QueueSender,
  SendBatchResult,
  VisibilityChanger,
} from './queue/types.ts';
export {
  createRelayHandler,
  type RelayHandler,
  type RelayHandlerDeps,
  relayLambdaHandler,
} from './relay.ts';

export { type ChannelSenders, composeSenders } from './senders/composeSenders.ts';
export { SenderConfigurationError, SsrfBlockedError, WebhookHttpError } from './senders/errors.ts';
export { SesEmailSender, type SesEmailSenderOptions } from './senders/SesEmailSender.ts';
export { SnsPushSender, type SnsPushSenderOptions } from './senders/SnsPushSender.ts';
export { WebhookSender, type WebhookSenderOptions } from './senders/WebhookSender.ts';
export {
  createSweeperHandler,
  type SweeperHandler,
  type SweeperHandlerDeps,
  sweeperLambdaHandler,
} from './sweeper.ts';
