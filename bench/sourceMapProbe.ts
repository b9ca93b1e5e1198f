/**
 * Run in a fresh Node process by `measureSourceMaps` (bundled first, so it runs without tsx):
 * loads a handler bundle and builds its clients, then makes the bundle's own code throw (its
 * `*DepsFromEnv` with a required variable unset) and formats that error's stack as the given
 * mode does, timing the first formatting. Prints one line of JSON after `@@source-maps `.
 *
 * argv: bundle file, mode (`SourceMapMode`), the `*DepsFromEnv` export, the variable to unset.
 */
import { pathToFileURL } from 'node:url';
import { sourceMapBeside, sourceMappedStack } from './sourceMappedStack.ts';

const [file = '', mode = 'none', construct = '', unset = ''] = process.argv.slice(2);
const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

const started = performance.now();
const bundle = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
const build = bundle[construct];
if (typeof build !== 'function') throw new TypeError(`bundle exports no function ${construct}`);
await build();
const loadMs = performance.now() - started;
const rssAfterLoadMb = mb(process.memoryUsage().rss);

delete process.env[unset];
let error: Error | undefined;
try {
  await build();
} catch (thrown) {
  error = thrown as Error;
}
if (!error) throw new TypeError(`${construct} did not throw with ${unset} unset`);

const formatting = performance.now();
let stack: string;
if (mode === 'enable-on-first-error') {
  process.setSourceMapsEnabled(true);
  stack = error.stack ?? '';
} else if (mode === 'map-on-first-error') {
  stack = sourceMappedStack(error.stack ?? '', sourceMapBeside);
} else {
  stack = error.stack ?? '';
}
const firstStackMs = performance.now() - formatting;

process.stdout.write(
  `\n@@source-maps ${JSON.stringify({
    loadMs,
    firstStackMs,
    rssAfterLoadMb,
    rssAfterStackMb: mb(process.memoryUsage().rss),
    stack: stack.split('\n').slice(0, 4),
  })}\n`,
);
process.exit(0);
