import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  KIT_ENTRY_POINTS,
  type KitRole,
  kitEntrySource,
  type LambdaRole,
} from '../lib/bundling.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** The example's notifications module, the one the repository's stack deploys. */
export const EXAMPLE_NOTIFICATIONS = join(here, '..', 'examples', 'signup', 'notifications.ts');

/** The example's producer, a handler of its own. */
export const EXAMPLE_PRODUCER = join(here, '..', 'examples', 'signup', 'producer.ts');

/** The export of each kit module that builds its dependencies from the environment. */
const DEPS_FROM_ENV: Readonly<Record<KitRole, string>> = {
  relay: 'relayDepsFromEnv',
  consumer: 'consumerDepsFromEnv',
  sweeper: 'sweeperDepsFromEnv',
};

/**
 * The entry file of one function as the construct builds it: for a kit role, the entry
 * `kitEntrySource` generates for the example's notifications module (the construct reads the
 * same text from memory), written to `bench/out/entries/`, plus a re-export of the role's
 * `*DepsFromEnv` so the cold-start loader can time building the clients (the function is in
 * the bundle anyway); for the producer, the example's own handler file.
 */
export function benchEntry(role: LambdaRole): string {
  if (role === 'producer') return EXAMPLE_PRODUCER;
  const file = join(here, 'out', 'entries', `${role}.mjs`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    `${kitEntrySource(role, { entry: EXAMPLE_NOTIFICATIONS })}export { ${DEPS_FROM_ENV[role]} } from ${JSON.stringify(KIT_ENTRY_POINTS[role].module)};\n`,
  );
  return file;
}
