/**
 * AWS list prices (USD, us-east-1) the cost model uses. There is no network here to read the
 * pricing pages, so these are stated assumptions, dated; check the pages before relying on a
 * figure. Free tiers are ignored: the cost of a million emails is the marginal cost.
 */
export interface ListPrices {
  /** When these prices were taken as current. */
  readonly asOf: string;
  readonly region: 'us-east-1';
  /** DynamoDB on-demand, Standard table class: USD per million write request units. */
  readonly dynamoDbPerMillionWriteRequestUnits: number;
  /**
   * DynamoDB Streams: USD per million stream read request units. GetRecords calls made by a
   * Lambda event source mapping are not billed, so Tidings' relay reads cost nothing.
   */
  readonly dynamoDbStreamsPerMillionReadRequestUnits: number;
  /** SQS standard queue: USD per million requests; each 64 KB chunk of a payload is a request. */
  readonly sqsPerMillionRequests: number;
  /** Lambda: USD per million invocations. */
  readonly lambdaPerMillionRequests: number;
  /** Lambda arm64: USD per GB-second (first pricing tier). */
  readonly lambdaArmPerGbSecond: number;
  /** SES outbound email: USD per 1,000 emails (pay as you go, no attachments). */
  readonly sesPerThousandEmails: number;
  /** Where each figure is published, and how sure we are of it. */
  readonly sources: Readonly<Record<string, string>>;
}

/** The prices the benchmark's cost table is computed with. */
export const LIST_PRICES: ListPrices = {
  asOf: '2025-06 (assumed; not re-read from the pricing pages, which are not reachable here)',
  region: 'us-east-1',
  dynamoDbPerMillionWriteRequestUnits: 0.625,
  dynamoDbStreamsPerMillionReadRequestUnits: 0.2,
  sqsPerMillionRequests: 0.4,
  lambdaPerMillionRequests: 0.2,
  lambdaArmPerGbSecond: 0.0000133334,
  sesPerThousandEmails: 0.1,
  sources: {
    dynamoDb:
      'https://aws.amazon.com/dynamodb/pricing/on-demand/ (write request units, stream read request units; $0.625/M WRU after the November 2024 on-demand price cut, as docs/idempotency.md also assumes; Lambda-trigger GetRecords are free)',
    sqs: 'https://aws.amazon.com/sqs/pricing/ (standard queue, per million requests, 64 KB chunks)',
    lambda:
      'https://aws.amazon.com/lambda/pricing/ (requests and arm64 GB-seconds, first tier; $0.0000133334/GB-s also appears in third-party price tables)',
    ses: 'https://aws.amazon.com/ses/pricing/ (outbound email, pay as you go)',
  },
};
