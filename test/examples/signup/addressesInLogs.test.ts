import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { notifications } from '../../../examples/signup/notifications.ts';
import { createProducerHandler } from '../../../examples/signup/producer.ts';
import { createMemoryPipeline } from '../../../lambdas/local/LocalPipeline.ts';
import { SendError } from '../../../lambdas/notifications/errors.ts';
import type { Notification } from '../../../lambdas/notifications/types.ts';
import type { TransactWriter } from '../../../lambdas/ports.ts';
import { makeFunctionUrlEvent } from '../../helpers/apiEvents.ts';

/** Every address the run puts somewhere a log line could quote it. */
const ADDRESSES = [
  'ada@example.com',
  'grace@example.org',
  'lin@example.net',
  'bounces+ada=example.com@mail.example.com',
];
/** An address with more than one character before the `@`: masked ones keep only one. */
const UNMASKED = /[\p{L}\p{N}._%+=-]{2,}@[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+/u;

/** A Powertools logger that prints nothing and keeps every line it was given, as JSON. */
function capturingLogger() {
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  const lines: string[] = [];
  for (const level of ['debug', 'info', 'warn', 'error', 'critical'] as const) {
    vi.spyOn(logger, level).mockImplementation((...args: unknown[]) => {
      lines.push(
        `${level} ${JSON.stringify(args, (_key, value) =>
          value instanceof Error
            ? { name: value.name, message: value.message, stack: value.stack, cause: value.cause }
            : value,
        )}`,
      );
    });
  }
  return { logger, lines };
}

function firstRecipient(notification: Notification): string {
  if (notification.kind !== 'email') return '';
  return typeof notification.to === 'string' ? notification.to : (notification.to[0] ?? '');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('addresses in log lines', () => {
  it('are masked in every line the producer and the pipeline log, while the lines still say what happened', async () => {
    // Arrange: SES throttles ada's first send and rejects grace's for good, quoting each
    // address as SES does; the producer refuses a duplicate, a malformed body and an invalid
    // address, and a second producer's table fails with an error that quotes one.
    const consumerLog = capturingLogger();
    const producerLog = capturingLogger();
    const throttled = new Set<string>();
    const pipeline = createMemoryPipeline({
      notifications,
      logger: consumerLog.logger,
      senderFaults: (notification) => {
        const to = firstRecipient(notification);
        if (to.startsWith('grace@')) {
          return new SendError({
            channel: 'email',
            reason: 'MessageRejected',
            permanent: true,
            message: `SES SendEmail failed (permanent): MessageRejected: Email address is not verified. The following identities failed the check in region EU-WEST-1: ${to}`,
          });
        }
        if (!throttled.has(to)) {
          throttled.add(to);
          return new SendError({
            channel: 'email',
            reason: 'TooManyRequestsException',
            permanent: false,
            message: `SES SendEmail failed (transient): TooManyRequestsException: sending to <${to}> exceeded the rate`,
          });
        }
        return undefined;
      },
    });
    const produce = createProducerHandler({
      writer: pipeline.writer,
      tableName: 'users',
      outboxTableName: pipeline.outboxTableName,
      logger: producerLog.logger,
    });
    const failingWriter: TransactWriter = {
      transactWrite: async () => {
        throw new Error('item EMAIL#lin@example.net could not be written');
      },
    };
    const failing = createProducerHandler({
      writer: failingWriter,
      tableName: 'users',
      logger: producerLog.logger,
    });
    const post = (body: unknown, requestId: string) =>
      produce(makeFunctionUrlEvent(body, { requestId }));

    // Act
    const statuses = [
      (await post({ email: 'ada@example.com', name: 'Ada' }, 'r-1')).statusCode,
      (await post({ email: 'grace@example.org' }, 'r-2')).statusCode,
      (await post({ email: ' ADA@example.com ' }, 'r-3')).statusCode,
      (await post('{"email": "bounces+ada=example.com@mail.example.com"', 'r-4')).statusCode,
      (await post({ email: 'ada@@example.com' }, 'r-5')).statusCode,
      (await failing(makeFunctionUrlEvent({ email: 'lin@example.net' }, { requestId: 'r-6' })))
        .statusCode,
    ];
    const delivered = await pipeline.deliver();
    const lines = [...producerLog.lines, ...consumerLog.lines];

    // Assert: what happened, so the lines below are the ones that matter
    expect(statuses).toEqual([201, 201, 409, 400, 400, 500]);
    expect(delivered.settled).toBe(true);
    expect((await pipeline.sentEmails()).map((email) => email.to)).toEqual([['ada@example.com']]);
    expect(pipeline.deadLetters().consumer).toHaveLength(1);
    const logged = (message: string) => lines.filter((line) => line.includes(message));
    expect(logged('registration refused')).toHaveLength(3);
    expect(logged('registration failed')).toHaveLength(1);
    expect(logged('transient failure; message will be retried')).toHaveLength(1);
    expect(logged('permanent failure; message sent to the dead-letter queue')).toHaveLength(1);
    expect(lines.join('\n')).toContain('a***@example.com');
    expect(lines.join('\n')).toContain('g***@example.org');
    expect(lines.join('\n')).toContain('l***@example.net');

    // Assert: no raw address in any line
    for (const line of lines) {
      for (const address of ADDRESSES) {
        expect(line.toLowerCase(), line).not.toContain(address);
      }
      expect(line, line).not.toMatch(UNMASKED);
    }
  });

  it('leave the body of a malformed request out of the producer log', async () => {
    // Arrange
    const { logger, lines } = capturingLogger();
    const produce = createProducerHandler({
      writer: createMemoryPipeline({ notifications }).writer,
      tableName: 'users',
      logger,
    });

    // Act
    const result = await produce(makeFunctionUrlEvent('{"name": "Ada Lovelace", "email": 7'));

    // Assert
    expect(result.statusCode).toBe(400);
    expect(lines).toEqual([expect.stringContaining('body is not JSON (35 characters)')]);
    expect(lines.join('\n')).not.toContain('Lovelace');
  });
});
