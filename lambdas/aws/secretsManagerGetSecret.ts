/**
 * The Secrets Manager client and the one command the consumer sends, and nothing else of the
 * SDK: the webhook secret loader reaches this module by `import()` on the first webhook, so in
 * the consumer's code-split bundle Secrets Manager's code sits in a chunk a cold start does not
 * load.
 */
export { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
