export {
  type HandlerModule,
  KIT_ENTRY_POINTS,
  type KitRole,
  kitEntrySource,
  LAMBDA_ARCHITECTURE,
  LAMBDA_BASE_ENVIRONMENT,
  LAMBDA_PACKAGING,
  LAMBDA_RUNTIME,
  type LambdaCodeProps,
  LambdaRole,
  type LambdaSource,
  lambdaBuildOptions,
  lambdaCode,
  type NotificationsModule,
  TIDINGS_BUNDLING,
} from './bundling.ts';
export { TidingsBundlingError, TidingsConfigurationError } from './errors.ts';
export {
  NOTIFICATION_CHANNELS,
  PipelineMonitoring,
  type PipelineMonitoringProps,
} from './pipeline-monitoring.ts';
export {
  type ProducerOptions,
  type TidingsLogLevel,
  type TidingsTableOptions,
  TransactionalNotifications,
  type TransactionalNotificationsProps,
} from './transactional-notifications.ts';
