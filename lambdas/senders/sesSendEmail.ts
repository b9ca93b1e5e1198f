/**
 * The SES v2 client and the one command the email sender sends, and nothing else of the SDK:
 * `SesEmailSender` reaches this module by `import()` on its first email, so in the consumer's
 * code-split bundle SES's code sits in a chunk of its own that a cold start does not load.
 */
export { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
