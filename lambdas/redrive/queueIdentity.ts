import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { isSqsQueueName as isQueueName } from '../queue/sqsLimits.ts';
import { InvalidQueueArnError, InvalidQueueUrlError, RedriveRequestError } from './errors.ts';

const ACCOUNT = /^\d{12}$/;
const QUEUE_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:([A-Za-z0-9_.-]+)$/;

/**
 * Checks that `value` is an SQS queue URL: http(s), a path of the 12-digit account and the
 * queue name. Endpoints other than AWS's (LocalStack, ElasticMQ) are accepted.
 *
 * @returns the URL, trimmed.
 * @throws InvalidQueueUrlError saying which part is wrong.
 */
export function checkQueueUrl(value: string): string {
  const text = value.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidQueueUrlError(value, 'it does not parse as a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidQueueUrlError(value, `protocol ${url.protocol} is not http(s)`);
  }
  const segments = url.pathname.split('/').filter(Boolean);
  const [account, name] = segments;
  if (segments.length !== 2 || account === undefined || name === undefined) {
    throw new InvalidQueueUrlError(value, 'the path must be /<account>/<queue name>');
  }
  if (!ACCOUNT.test(account)) {
    throw new InvalidQueueUrlError(value, `account ${JSON.stringify(account)} is not 12 digits`);
  }
  if (!isQueueName(name)) {
    throw new InvalidQueueUrlError(value, `${JSON.stringify(name)} is not a queue name`);
  }
  return text;
}

/**
 * Checks that `value` is an SQS queue ARN.
 * @returns the ARN, trimmed.
 * @throws InvalidQueueArnError naming the value.
 */
export function checkQueueArn(value: string): string {
  const text = value.trim();
  const name = QUEUE_ARN.exec(text)?.[1];
  if (name === undefined || !isQueueName(name)) throw new InvalidQueueArnError(value);
  return text;
}

/**
 * The ARN of the queue at `queueUrl`, read with `GetQueueAttributes QueueArn`: the URL alone
 * does not say the partition, and `StartMessageMoveTask` takes ARNs only.
 *
 * @throws RedriveRequestError when SQS refuses the call (a missing queue, denied access).
 * @throws InvalidQueueArnError when SQS answers with no usable ARN.
 */
export async function resolveQueueArn(client: SQSClient, queueUrl: string): Promise<string> {
  let arn: string | undefined;
  try {
    const output = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    arn = output.Attributes?.QueueArn;
  } catch (error) {
    throw new RedriveRequestError('GetQueueAttributes', queueUrl, error);
  }
  return checkQueueArn(arn ?? '');
}
