// The public API of Tidings: `import { ... } from 'tidings'`, what a service calls and catches:
// defineNotifications and the route and notification types; outboxTransactItem,
// transactWriteWithOutbox and DynamoDbTransactWriter to stage; processNotificationMessage to
// route a queue message yourself; the errors, each saying whether retrying can help
// (`permanent`); the environment variables and metric names the functions use. Everything not
// listed here is internal. The in-memory fakes and `renderNotifications` are in
// 'tidings/testing', the local pipelines in 'tidings/local', the construct in 'tidings/cdk'.
// test/publicApi.test.ts pins this list.

export {
  DynamoDbTransactWriter,
  type DynamoDbTransactWriterOptions,
} from './aws/DynamoDbTransactWriter.ts';
export { AwsError } from './aws/errors.ts';
export { Env, MetricName } from './constants.ts';
export { describeError, isPermanentError, TidingsError } from './errors.ts';
export { uuidv7 } from './events/ids.ts';
export type { EnvelopeMetadata, IntegrationEvent, QueueMessage } from './events/types.ts';
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
export {
  type ProcessNotificationOptions,
  type ProcessResult,
  processNotificationMessage,
} from './notifications/processNotificationMessage.ts';
export type { Notification, NotificationMapper } from './notifications/types.ts';
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
export type {
  EmailNotification,
  NotificationSenders,
  PushNotification,
  SendContext,
  SendResult,
  TransactItems,
  TransactWriter,
  WebhookNotification,
} from './ports.ts';
