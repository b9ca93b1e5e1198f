import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { DynamoDbTransactWriter, describeError, Env, MetricName } from '../../lambdas/index.ts';
// Not part of the package's API: the example masks addresses in its logs as the kit does.
import { maskEmails } from '../../lambdas/maskEmail.ts';
import { isHttpEvent, type ProducerEvent, parseProducerEvent } from './http/parseProducerEvent.ts';
import {
  createdOutcome,
  errorOutcome,
  type ProducerResult,
  toProducerResult,
} from './http/producerResponse.ts';
import { type RegisterUserOptions, registerUser } from './registerUser.ts';

/** What the producer handler runs with; tests and local runs pass their own. */
export interface ProducerHandlerDeps extends Omit<RegisterUserOptions, 'requestId'> {
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
      const user = await registerUser(request.input, { ...deps, requestId: request.requestId });
      deps.logger?.info('user registered', { userId: user.userId, eventId: user.eventId });
      if (deps.metrics) {
        deps.metrics.addMetric(MetricName.EVENTS_STAGED, MetricUnit.Count, 1);
        deps.metrics.publishStoredMetrics();
      }
      return toProducerResult(createdOutcome(user), transport);
    } catch (error) {
      const outcome = errorOutcome(error);
      // Error text may quote what the signup sent (an address in an AWS error, say): every
      // line is masked, and the error object itself is not logged, since its stack repeats
      // its message unmasked.
      const reason = maskEmails(describeError(error));
      if (outcome.statusCode >= 500) {
        deps.logger?.error('registration failed', {
          reason,
          ...(error instanceof Error && error.stack ? { stack: maskEmails(error.stack) } : {}),
        });
      } else {
        deps.logger?.info('registration refused', { statusCode: outcome.statusCode, reason });
      }
      return toProducerResult(outcome, transport);
    }
  };
}

/** The environment variable naming the example's users table (set in stack.ts). */
export const USERS_TABLE_ENV = 'USERS_TABLE_NAME';

/**
 * The producer's dependencies from its environment: the users table the example stack sets,
 * and the outbox table the construct sets (`TIDINGS_TABLE_NAME`). Powertools reads the service
 * name the construct sets (`POWERTOOLS_SERVICE_NAME`).
 * @throws TypeError when either table name is not set.
 */
export function producerDepsFromEnv(): ProducerHandlerDeps {
  const required = (name: string, what: string): string => {
    const value = process.env[name];
    if (!value) throw new TypeError(`environment variable ${name} must be set to ${what}`);
    return value;
  };
  return {
    writer: new DynamoDbTransactWriter(),
    tableName: required(USERS_TABLE_ENV, 'the users table'),
    outboxTableName: required(Env.TABLE_NAME, 'the outbox table'),
    logger: new Logger(),
    metrics: new Metrics({ namespace: MetricName.NAMESPACE }),
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
