/**
 * Cold-start calibration: nothing but an SQS client, constructed at import. Bundled with the
 * Lambdas' options, it shows what the SDK's shared core costs before any Tidings code.
 */
import { SQSClient } from '@aws-sdk/client-sqs';

/** The client, so the bundler keeps it. */
export const client = new SQSClient({});
