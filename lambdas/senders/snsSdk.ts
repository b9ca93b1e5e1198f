/**
 * What the push sender uses of the SNS SDK, loaded with `import()` on the first push.
 * `import('@aws-sdk/client-sns')` would put the package's whole export namespace (an object
 * naming every command, model and enum) in the bundle; named re-exports leave it out.
 */
export { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
