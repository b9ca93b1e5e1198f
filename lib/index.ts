export {
  type CodeSplitCodeProps,
  type CodeSplitRole,
  codeSplitBuildOptions,
  codeSplitCodeProps,
  LAMBDA_ARCHITECTURE,
  LAMBDA_BASE_ENVIRONMENT,
  LAMBDA_ENTRIES,
  LAMBDA_PACKAGING,
  LAMBDA_RUNTIME,
  type LambdaCodeProps,
  LambdaRole,
  lambdaCodeProps,
  type SingleFileRole,
  TIDINGS_BUNDLING,
} from './bundling.ts';
export { TidingsBundlingError, TidingsConfigurationError } from './errors.ts';
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
