export { classifyDynamoDbError, type DynamoDbErrorClass } from './classifyDynamoDbError.ts';
export { DEFAULT_LEDGER_TTL_SECONDS, LedgerAttribute } from './constants.ts';
export {
  DynamoDbLedger,
  type DynamoDbLedgerEnvOptions,
  type DynamoDbLedgerOptions,
  parseLedgerItem,
} from './DynamoDbLedger.ts';
export {
  ClaimLostError,
  ClaimNotHeldError,
  CorruptLedgerRecordError,
  LedgerArgumentError,
  LedgerConfigError,
  LedgerError,
  LedgerStoreError,
} from './errors.ts';
export { dynamoDbItemBytes, writeRequestUnits } from './itemSize.ts';
export { MemoryLedger, type MemoryLedgerOptions } from './MemoryLedger.ts';
export {
  type InspectableLedger,
  type LedgerFault,
  type LedgerOperation,
  type LedgerRecord,
  type LedgerStats,
  LedgerStatus,
} from './types.ts';
