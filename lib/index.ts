export {
  LAMBDA_ARCHITECTURE,
  LAMBDA_BASE_ENVIRONMENT,
  LAMBDA_ENTRIES,
  LAMBDA_RUNTIME,
  type LambdaCodeProps,
  LambdaRole,
  lambdaCodeProps,
  TIDINGS_BUNDLING,
} from './bundling.ts';
export { TidingsConfigurationError } from './errors.ts';
export {
  NOTIFICATION_CHANNELS,
  PipelineMonitoring,
  type PipelineMonitoringProps,
} from './pipeline-monitoring.ts';
export { PLACEHOLDER_SENDER_EMAIL, TidingsStack, type TidingsStackProps } from './tidings-stack.ts';
export {
  type TidingsLogLevel,
  type TidingsTableOptions,
  TransactionalNotifications,
  type TransactionalNotificationsProps,
} from './transactional-notifications.ts';
