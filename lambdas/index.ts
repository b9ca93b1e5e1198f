// The public API of Tidings: `import { ... } from 'tidings'`, what a service calls and catches.
// Everything not listed here is internal. The in-memory fakes and `renderNotifications` are in
// 'tidings/testing', the local pipelines in 'tidings/local', the construct in 'tidings/cdk'.
// test/publicApi.test.ts pins this list.

// Stage events in your transaction.
export {
  DynamoDbTransactWriter,
  type DynamoDbTransactWriterOptions,
} from './aws/DynamoDbTransactWriter.ts';
// What you catch. Every Tidings error says whether retrying can help (`permanent`).
export { AwsError } from './aws/errors.ts';
// The environment variables the construct sets and the metrics the functions emit.
export { Env, Metrics } from './constants.ts';
export { describeError, isPermanentError, TidingsError } from './errors.ts';
export { uuidv7 } from './events/ids.ts';
export type { EnvelopeMetadata, IntegrationEvent, QueueMessage } from './events/types.ts';
// Describe your notifications: event types with their schemas, and routes.
export {
  type DefineNotificationsOptions,
  defineNotifications,
  type EventRoutes,
  type NotificationsDefinition,
} from './notifications/defineNotifications.ts';
export {
  InvalidNotificationError,
  MapperError,
  SendError,
  UnmappedEventTypeError,
} from './notifications/errors.ts';
export { NotificationRouter } from './notifications/NotificationRouter.ts';
// Route and send a queue message yourself (the consumer Lambda does it for you).
export {
  type ProcessNotificationOptions,
  type ProcessResult,
  processNotificationMessage,
} from './notifications/processNotificationMessage.ts';
export type {
  EmailNotification,
  Notification,
  NotificationMapper,
  NotificationSenders,
  PushNotification,
  SendContext,
  SendResult,
  WebhookNotification,
} from './notifications/types.ts';
export { defineOutbox, type OutboxSpec, type StageOptions } from './outbox/defineOutbox.ts';
export { defineQueue, type QueueSpec } from './outbox/defineQueue.ts';
export {
  PayloadValidationError,
  type SchemaIssue,
  TransactionCanceledError,
  UnknownEventTypeError,
} from './outbox/errors.ts';
export { MessageCharacterError, TransactionLimitError } from './outbox/limitErrors.ts';
export {
  type OutboxEntry,
  outboxTransactItem,
  transactWriteWithOutbox,
} from './outbox/outboxTransactItem.ts';
export type { TransactItems, TransactWriter } from './outbox/types.ts';
