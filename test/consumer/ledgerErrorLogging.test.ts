import { describe, expect, it, vi } from 'vitest';
import { notifications, userNotificationsQueue } from '../../examples/signup/notifications.ts';
import { type ConsumerLogger, consumeSqsRecords } from '../../lambdas/aws/sqsConsumer.ts';
import { ClaimLostError, LedgerStoreError } from '../../lambdas/ledger/errors.ts';
import { MemoryLedger } from '../../lambdas/ledger/MemoryLedger.ts';
import { SendError } from '../../lambdas/notifications/errors.ts';
import type { LedgerOptions } from '../../lambdas/notifications/processNotificationMessage.ts';
import { RecordingSenders } from '../../lambdas/notifications/RecordingSenders.ts';
import { toOutgoingMessage } from '../../lambdas/outbox/relayEvents.ts';
import { EVENT_ID, makeEvent } from '../helpers/events.ts';
import { makeSqsEvent, makeSqsRecord } from '../helpers/sqs.ts';

const NOTIFICATION_ID = `${EVENT_ID}:0`;
const LEDGER_WARNING = 'ledger write failed after the send; a redelivery may send again';

function signupRecord() {
  const event = makeEvent({
    payload: { userId: '5b0f7a4e-2c1d-4e8f-9a3b-000000000001', email: 'ada@example.com' },
  });
  const message = toOutgoingMessage({ event, outbox: 'users' }, false);
  return makeSqsRecord({ body: message.body, stringAttributes: message.attributes });
}

function spyLogger() {
  return { info: vi.fn(), warn: vi.fn(), error: vi.fn() } satisfies ConsumerLogger;
}

function consume(
  ledger: MemoryLedger,
  senders: RecordingSenders,
  logger: ConsumerLogger,
  onError?: LedgerOptions['onError'],
) {
  return consumeSqsRecords(makeSqsEvent([signupRecord()]), {
    router: notifications.router,
    queueSpec: userNotificationsQueue,
    senders,
    ledger: { store: ledger, onError, completeRetry: { sleep: async () => {} } },
    visibility: { changeVisibility: async () => {} },
    deadLetters: {
      deadLetter: () => Promise.reject(new Error('no dead letter expected')),
    },
    retry: { random: () => 0.5 },
    logger,
  });
}

describe('consumeSqsRecords when a ledger write fails around a send', () => {
  it('logs a completion the ledger refused as a warning, and still counts the email sent', async () => {
    // Arrange: another worker took the claim over while this one was sending.
    const ledger = new MemoryLedger({
      fault: (operation, id) =>
        operation === 'complete' ? new ClaimLostError('complete', id, undefined) : undefined,
    });
    const senders = new RecordingSenders();
    const logger = spyLogger();

    // Act
    const report = await consume(ledger, senders, logger);

    // Assert
    expect(senders.emails).toHaveLength(1);
    expect(report.sent).toEqual({ email: 1 });
    expect(report.response.batchItemFailures).toEqual([]);
    expect(logger.warn).toHaveBeenCalledWith(LEDGER_WARNING, {
      notificationId: NOTIFICATION_ID,
      operation: 'complete',
      attempts: 1,
      error: `ClaimLostError: cannot complete ${NOTIFICATION_ID}: the claim was lost (no record)`,
    });
  });

  it('logs a completion that failed every attempt once, with the number of attempts made', async () => {
    // Arrange
    let completes = 0;
    const ledger = new MemoryLedger({
      fault: (operation, id) => {
        if (operation !== 'complete') return undefined;
        completes++;
        return new LedgerStoreError('complete', id, 'ThrottlingException', false, new Error('x'));
      },
    });
    const senders = new RecordingSenders();
    const logger = spyLogger();

    // Act
    const report = await consume(ledger, senders, logger);

    // Assert
    expect(completes).toBe(3);
    expect(senders.emails).toHaveLength(1);
    expect(report.sent).toEqual({ email: 1 });
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(
      LEDGER_WARNING,
      expect.objectContaining({
        notificationId: NOTIFICATION_ID,
        operation: 'complete',
        attempts: 3,
      }),
    );
  });

  it('logs nothing when a retry records a completion that failed at first', async () => {
    // Arrange
    let failures = 2;
    const ledger = new MemoryLedger({
      fault: (operation, id) =>
        operation === 'complete' && failures-- > 0
          ? new LedgerStoreError('complete', id, 'ThrottlingException', false, new Error('x'))
          : undefined,
    });
    const logger = spyLogger();

    // Act
    await consume(ledger, new RecordingSenders(), logger);

    // Assert
    expect(ledger.status(NOTIFICATION_ID)).toBe('completed');
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('logs a release that failed after a failed send as a warning, and retries the message', async () => {
    // Arrange
    const ledger = new MemoryLedger({
      fault: (operation, id) =>
        operation === 'release'
          ? new LedgerStoreError(
              'release',
              id,
              'ThrottlingException',
              false,
              new Error('rate exceeded'),
            )
          : undefined,
    });
    const senders = new RecordingSenders({
      fault: () =>
        new SendError({ channel: 'email', reason: 'http-503', permanent: false, message: '503' }),
    });
    const logger = spyLogger();

    // Act
    const report = await consume(ledger, senders, logger);

    // Assert
    expect(report.retried).toBe(1);
    expect(logger.warn).toHaveBeenCalledWith(
      LEDGER_WARNING,
      expect.objectContaining({
        notificationId: NOTIFICATION_ID,
        operation: 'release',
        error: expect.stringContaining('ThrottlingException'),
      }),
    );
  });

  it("hands a refused completion to the ledger's onError when given, instead of logging it", async () => {
    // Arrange
    const ledger = new MemoryLedger({
      fault: (operation, id) =>
        operation === 'complete' ? new ClaimLostError('complete', id, undefined) : undefined,
    });
    const logger = spyLogger();
    const reported: [string, string][] = [];

    // Act
    const report = await consume(ledger, new RecordingSenders(), logger, (_, id, operation) =>
      reported.push([id, operation]),
    );

    // Assert
    expect(report.sent).toEqual({ email: 1 });
    expect(reported).toEqual([[NOTIFICATION_ID, 'complete']]);
    expect(logger.warn).not.toHaveBeenCalledWith(LEDGER_WARNING, expect.anything());
  });
});
