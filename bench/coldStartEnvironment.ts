import { USERS_TABLE_ENV } from '../examples/signup/producer.ts';
import { Env, MetricName } from '../lambdas/constants.ts';
import { LAMBDA_BASE_ENVIRONMENT } from '../lib/bundling.ts';
import { BENCH_RESOURCES, queueUrl } from './pipeline.ts';

/**
 * The environment a cold-start process runs with: every variable the example stack gives any
 * of its four functions (so each handler builds at init what it builds on AWS, the webhook
 * sender and its secret loader included), with benchmark values, plus fake credentials.
 */
export function coldStartEnvironment(): Record<string, string> {
  return {
    ...LAMBDA_BASE_ENVIRONMENT,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    POWERTOOLS_SERVICE_NAME: 'tidings-bench',
    POWERTOOLS_METRICS_NAMESPACE: MetricName.NAMESPACE,
    POWERTOOLS_LOG_LEVEL: 'INFO',
    [Env.TABLE_NAME]: BENCH_RESOURCES.tableName,
    [Env.QUEUE_URL]: queueUrl(BENCH_RESOURCES.queueName),
    [Env.RELAY_DLQ_URL]: queueUrl(BENCH_RESOURCES.relayDlqName),
    [Env.CONSUMER_DLQ_URL]: queueUrl(BENCH_RESOURCES.consumerDlqName),
    [Env.FROM_ADDRESS]: BENCH_RESOURCES.fromAddress,
    [Env.WEBHOOK_SECRET_ARN]: `arn:aws:secretsmanager:us-east-1:${BENCH_RESOURCES.account}:secret:tidings-webhook-AbCdEf`,
    [Env.LEDGER_TABLE_NAME]: BENCH_RESOURCES.ledgerTableName,
    [Env.MAX_RECEIVE_COUNT]: '5',
    // The example producer's own table, beside the outbox table.
    [USERS_TABLE_ENV]: BENCH_RESOURCES.tableName,
    // The reference consumer's sender address.
    FROM_ADDRESS: BENCH_RESOURCES.fromAddress,
  };
}
