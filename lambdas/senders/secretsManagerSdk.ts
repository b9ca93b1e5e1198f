/**
 * What the consumer uses of the Secrets Manager SDK to read the webhook signing secret,
 * loaded with `import()` on the first webhook, so a consumer that sends none never evaluates
 * it. Named re-exports keep the package's export namespace out of the bundle.
 */
export { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
