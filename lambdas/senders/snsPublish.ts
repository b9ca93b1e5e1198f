/**
 * The SNS client and the one command the push sender sends, and nothing else of the SDK:
 * `SnsPushSender` reaches this module by `import()` on its first push, so in the consumer's
 * code-split bundle SNS's code sits in a chunk of its own that a cold start does not load.
 */
export { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
