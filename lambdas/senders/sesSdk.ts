/**
 * What the email sender uses of the SES v2 SDK, loaded with `import()` on the first send.
 * `import('@aws-sdk/client-sesv2')` would put the package's whole export namespace (an object
 * naming every command, model and enum) in the bundle; named re-exports leave it out.
 */
export { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
