export { describeDeadLetter, describeStreamBatch } from './describeDeadLetter.ts';
export {
  InvalidQueueArnError,
  InvalidQueueUrlError,
  RedriveError,
  RedriveRequestError,
  RedriveUsageError,
} from './errors.ts';
export {
  listDeadLetterMoves,
  type MoveTaskStatus,
  type StartDeadLetterMoveOptions,
  type StartedMove,
  startDeadLetterMove,
} from './moveDeadLetters.ts';
export {
  DEFAULT_MAX_MESSAGES,
  MAX_MESSAGES_LIMIT,
  MAX_MOVE_RATE,
  parseRedriveArgs,
  REDRIVE_USAGE,
  type RedriveCommand,
} from './parseRedriveArgs.ts';
export {
  type DeadLetterPeek,
  peekDeadLetters,
  type ReceiveDeadLettersOptions,
  receiveDeadLetters,
  releaseMessages,
} from './peekDeadLetters.ts';
export { checkQueueArn, checkQueueUrl, resolveQueueArn } from './queueIdentity.ts';
export {
  type RelayRedriveAction,
  type RelayRedriveEntry,
  type RelayRedriveOptions,
  type RelayRedriveReport,
  redriveRelayDeadLetters,
} from './redriveRelay.ts';
export {
  parseRelayLetter,
  type RelayLetter,
  type StreamBatchInfo,
  toSdkAttributeValue,
  toSdkItem,
} from './relayLetter.ts';
export {
  formatRedriveOutcome,
  type RedriveClients,
  type RedriveCliIo,
  type RedriveOutcome,
  redriveCli,
  redriveExitCode,
  runRedrive,
} from './runRedrive.ts';
export type { DeadLetterListing, DeadLetterOrigin, PeekedMessage } from './types.ts';
