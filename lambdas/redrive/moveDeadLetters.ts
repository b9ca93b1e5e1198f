import {
  ListMessageMoveTasksCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { RedriveRequestError } from './errors.ts';
import { resolveQueueArn } from './queueIdentity.ts';

/** Options of `startDeadLetterMove`. */
export interface StartDeadLetterMoveOptions {
  readonly client: SQSClient;
  /** The dead-letter queue to move messages out of. */
  readonly queueUrl: string;
  /** Move to this queue; without it, SQS moves each message back to the queue it came from. */
  readonly destinationArn?: string;
  /** At most this many messages a second; without it SQS picks the rate. */
  readonly maxPerSecond?: number;
}

/** A started message move task. */
export interface StartedMove {
  readonly sourceArn: string;
  readonly destinationArn?: string;
  /** SQS's handle for the task (for `CancelMessageMoveTask`). */
  readonly taskHandle: string;
}

/**
 * Starts an SQS message move task out of a dead-letter queue (`StartMessageMoveTask`), with
 * the queue's ARN resolved from its URL.
 *
 * @throws RedriveRequestError when SQS refuses: for instance the queue is no queue's DLQ and
 *   no `destinationArn` was given, or a task is already running.
 */
export async function startDeadLetterMove(
  options: StartDeadLetterMoveOptions,
): Promise<StartedMove> {
  const sourceArn = await resolveQueueArn(options.client, options.queueUrl);
  let taskHandle: string | undefined;
  try {
    const output = await options.client.send(
      new StartMessageMoveTaskCommand({
        SourceArn: sourceArn,
        ...(options.destinationArn ? { DestinationArn: options.destinationArn } : {}),
        ...(options.maxPerSecond ? { MaxNumberOfMessagesPerSecond: options.maxPerSecond } : {}),
      }),
    );
    taskHandle = output.TaskHandle;
  } catch (error) {
    throw new RedriveRequestError('StartMessageMoveTask', sourceArn, error);
  }
  return {
    sourceArn,
    ...(options.destinationArn ? { destinationArn: options.destinationArn } : {}),
    taskHandle: taskHandle ?? '(SQS returned no task handle)',
  };
}

/** One message move task of a queue, as `ListMessageMoveTasks` reports it. */
export interface MoveTaskStatus {
  readonly status: string;
  readonly taskHandle?: string;
  readonly destinationArn?: string;
  readonly moved?: number;
  readonly toMove?: number;
  readonly maxPerSecond?: number;
  readonly failureReason?: string;
  /** Epoch milliseconds. */
  readonly startedAt?: number;
}

/**
 * The most recent message move tasks of a dead-letter queue (`ListMessageMoveTasks`, at most
 * 10, newest first).
 * @throws RedriveRequestError when SQS refuses.
 */
export async function listDeadLetterMoves(options: {
  readonly client: SQSClient;
  readonly queueUrl: string;
}): Promise<{ readonly sourceArn: string; readonly tasks: readonly MoveTaskStatus[] }> {
  const sourceArn = await resolveQueueArn(options.client, options.queueUrl);
  try {
    const output = await options.client.send(
      new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 10 }),
    );
    const tasks = (output.Results ?? []).map(
      (task): MoveTaskStatus => ({
        status: task.Status ?? 'UNKNOWN',
        ...(task.TaskHandle ? { taskHandle: task.TaskHandle } : {}),
        ...(task.DestinationArn ? { destinationArn: task.DestinationArn } : {}),
        ...(task.ApproximateNumberOfMessagesMoved !== undefined
          ? { moved: task.ApproximateNumberOfMessagesMoved }
          : {}),
        ...(task.ApproximateNumberOfMessagesToMove !== undefined
          ? { toMove: task.ApproximateNumberOfMessagesToMove }
          : {}),
        ...(task.MaxNumberOfMessagesPerSecond !== undefined
          ? { maxPerSecond: task.MaxNumberOfMessagesPerSecond }
          : {}),
        ...(task.FailureReason ? { failureReason: task.FailureReason } : {}),
        ...(task.StartedTimestamp !== undefined ? { startedAt: task.StartedTimestamp } : {}),
      }),
    );
    return { sourceArn, tasks };
  } catch (error) {
    throw new RedriveRequestError('ListMessageMoveTasks', sourceArn, error);
  }
}
