import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { registerUser } from './app/registerUser.ts';
import type { UserEvents } from './app/userEvents.ts';
import { DynamoDbTransactWriter } from './aws/DynamoDbTransactWriter.ts';
import { Env, Metrics as MetricName, serviceName } from './constants.ts';
import { describeError } from './errors.ts';
import type { OutboxSpec } from './outbox/defineOutbox.ts';
import type { TransactWriter } from './outbox/types.ts';
import {
  isHttpEvent,
  type ProducerEvent,
  parseProducerEvent,
} from './producer/parseProducerEvent.ts';
import {
  createdOutcome,
  errorOutcome,
  type ProducerResult,
  toProducerResult,
} from './producer/producerResponse.ts';

/** What the producer handler runs with; tests and local runs pass their own. */
export interface ProducerHandlerDeps {
  /** `DynamoDbTransactWriter` on AWS, `MemoryOutboxStore` locally. */
  readonly writer: TransactWriter;
  readonly tableName: string;
  /** @default usersOutbox */
  readonly outbox?: OutboxSpec<typeof UserEvents>;
  /** New user and event ids. @default UUID v7 */
  readonly newId?: () => string;
  /** @default silent */
  readonly logger?: Logger;
  /** `EventsStaged` is emitted for each committed registration when given. */
  readonly metrics?: Metrics;
}

/**
 * The producer Lambda's handler. For a Function URL or API Gateway event it returns
 * `{ statusCode, headers, body }` with a JSON body; for a direct invoke it returns
 * `{ statusCode, body }` with the body as an object. Either way the body is
 * `{ userId, eventId }` on 201, `{ error, issues }` on 400, `{ error }` otherwise.
 */
export type ProducerHandler = (event: ProducerEvent, context?: Context) => Promise<ProducerResult>;

/**
 * Builds the producer handler: reads the registration from the event, runs `registerUser`
 * (user, email claim and `user.registered` outbox event in one transaction) and shapes the
 * answer: 201, 400 for bad input, 409 for a taken email, 503 for transient AWS failures and
 * 500 for anything else.
 */
export function createProducerHandler(deps: ProducerHandlerDeps): ProducerHandler {
  return async (event, context) => {
    if (context) deps.logger?.addContext(context);
    const transport = isHttpEvent(event) ? 'http' : 'direct';
    try {
      const request = parseProducerEvent(event, context);
      const user = await registerUser(request.input, {
        writer: deps.writer,
        tableName: deps.tableName,
        ...(deps.outbox ? { outbox: deps.outbox } : {}),
        ...(deps.newId ? { newId: deps.newId } : {}),
        ...(request.requestId ? { requestId: request.requestId } : {}),
      });
      deps.logger?.info('user registered', { userId: user.userId, eventId: user.eventId });
      if (deps.metrics) {
        deps.metrics.addMetric(MetricName.EVENTS_STAGED, MetricUnit.Count, 1);
        deps.metrics.publishStoredMetrics();
      }
      return toProducerResult(createdOutcome(user), transport);
    } catch (error) {
      const outcome = errorOutcome(error);
      if (outcome.statusCode >= 500) {
        deps.logger?.error('registration failed', { reason: describeError(error), error });
      } else {
        deps.logger?.info('registration refused', {
          statusCode: outcome.statusCode,
          reason: describeError(error),
        });
      }
      return toProducerResult(outcome, transport);
    }
  };
}

/**
 * The producer's dependencies from the environment the CDK construct sets.
 * @throws TypeError when `TIDINGS_TABLE_NAME` is not set.
 */
export function producerDepsFromEnv(): ProducerHandlerDeps {
  const tableName = process.env[Env.TABLE_NAME];
  if (!tableName) {
    throw new TypeError(
      `environment variable ${Env.TABLE_NAME} must be set to the table the producer writes to`,
    );
  }
  return {
    writer: new DynamoDbTransactWriter(),
    tableName,
    logger: new Logger({ serviceName: serviceName('producer') }),
    metrics: new Metrics({ namespace: MetricName.NAMESPACE, serviceName: serviceName('producer') }),
  };
}

let fromEnv: ProducerHandler | undefined;

/**
 * The Lambda entry point. Configuration is read on the first invocation, not at import, so
 * the module loads in tests; the client is created once per cold start.
 */
export const handler: ProducerHandler = (event, context) => {
  fromEnv ??= createProducerHandler(producerDepsFromEnv());
  return fromEnv(event, context);
};
