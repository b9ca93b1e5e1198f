import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { MissingPeerDependencyError } from '../../lambdas/local/errors.ts';
import { loadOptionalPeer } from '../../lambdas/local/optionalPeers.ts';
import { rejectionOf } from '../helpers/events.ts';

/** A package no test environment has: importing it fails as a missing optional peer does. */
const ABSENT = 'tidings-test-absent-package';

describe('loadOptionalPeer', () => {
  it('names the package and the command that installs it when import() cannot find it', async () => {
    const error = await rejectionOf(
      loadOptionalPeer(ABSENT, 'startSesLocal', () => import(ABSENT)),
    );

    expect(error).toBeInstanceOf(MissingPeerDependencyError);
    expect(error).toMatchObject({
      packageName: ABSENT,
      feature: 'startSesLocal',
      installCommand: `npm install --save-dev ${ABSENT}`,
      permanent: true,
      name: 'MissingPeerDependencyError',
    });
    expect((error as Error).message).toContain(`npm install --save-dev ${ABSENT}`);
    expect((error as Error).cause).toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' });
  });

  it('names the package when require.resolve cannot find a file inside it', async () => {
    const resolve = async () => createRequire(import.meta.url).resolve(`${ABSENT}/package.json`);

    const error = await rejectionOf(loadOptionalPeer(ABSENT, 'startDynamoDbLocal', resolve));

    expect(error).toBeInstanceOf(MissingPeerDependencyError);
    expect((error as MissingPeerDependencyError).packageName).toBe(ABSENT);
  });

  it('rethrows, as it is, a missing package other than the one asked for', async () => {
    const error = await rejectionOf(
      loadOptionalPeer('aws-ses-v2-local', 'startSesLocal', () => import(ABSENT)),
    );

    expect(error).not.toBeInstanceOf(MissingPeerDependencyError);
    expect(error).toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' });
    expect((error as Error).message).toContain(ABSENT);
  });

  it('rethrows any other failure of the load as it is', async () => {
    const failure = new TypeError('boom');

    const error = await rejectionOf(
      loadOptionalPeer('aws-ses-v2-local', 'startSesLocal', () => Promise.reject(failure)),
    );

    expect(error).toBe(failure);
  });

  it('returns the module when the package is installed', async () => {
    const zod = await loadOptionalPeer('zod', 'a test', () => import('zod'));

    expect(typeof zod.z.object).toBe('function');
  });
});
