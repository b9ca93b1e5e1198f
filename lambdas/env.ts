/**
 * The value of an environment variable the CDK construct sets for a handler.
 * @throws TypeError naming the variable when it is unset or empty.
 */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new TypeError(`environment variable ${name} must be set`);
  return value;
}
