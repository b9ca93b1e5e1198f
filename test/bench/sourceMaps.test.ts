import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleSubject } from '../../bench/coldStart.ts';
import {
  type SourceMapLookup,
  sourceMapBeside,
  sourceMappedStack,
} from '../../bench/sourceMappedStack.ts';
import { measureSourceMaps } from '../../bench/sourceMaps.ts';
import { TIDINGS_BUNDLING } from '../../lib/bundling.ts';

/** A handler module whose `depsFromEnv` throws from a nested function without its variable. */
const HANDLER_SOURCE = `export function requireVariable(name: string): string {
  const value = process.env[name];
  if (!value) throw new TypeError(\`environment variable \${name} must be set\`);
  return value;
}

export function depsFromEnv() {
  return { queue: requireVariable('PROBE_QUEUE') };
}
`;

describe('sourceMappedStack', () => {
  it('rewrites frames of mapped files, naming the function from the call site below', () => {
    // Arrange: index.mjs 1:21 is in `failDeep`, called at 1:71 from the exported handler.
    const entries: Record<string, object> = {
      '0:20': { originalSource: 'src/fail.ts', originalLine: 1, originalColumn: 8 },
      '0:70': {
        originalSource: 'src/fail.ts',
        originalLine: 4,
        originalColumn: 9,
        name: 'failDeep',
      },
    };
    const map: SourceMapLookup = {
      findEntry: (line, column) => entries[`${line}:${column}`] ?? {},
    } as SourceMapLookup;
    const stack = [
      'Error: bad value: 42',
      '    at r (file:///var/task/index.mjs:1:21)',
      '    at Module.n (file:///var/task/index.mjs:1:71)',
      '    at main (file:///var/task/loader.mjs:3:5)',
    ].join('\n');

    // Act
    const mapped = sourceMappedStack(stack, (file) =>
      file === '/var/task/index.mjs' ? map : undefined,
    );

    // Assert
    expect(mapped.split('\n')).toEqual([
      'Error: bad value: 42',
      '    at failDeep (/var/task/src/fail.ts:2:9)',
      '    at Module.n (/var/task/src/fail.ts:5:10)',
      '    at main (file:///var/task/loader.mjs:3:5)',
    ]);
  });

  it('reads each file’s map once, however many frames it has', () => {
    // Arrange
    const asked: string[] = [];
    const stack = ['Error: x', '    at a (/b/index.mjs:1:1)', '    at /b/index.mjs:1:2'].join('\n');

    // Act
    sourceMappedStack(stack, (file) => {
      asked.push(file);
      return undefined;
    });

    // Assert
    expect(asked).toEqual(['/b/index.mjs']);
  });
});

describe('the stack of a minified bundle', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'tidings-source-maps-'));
  let bundle = '';

  beforeAll(async () => {
    const entry = join(outdir, 'handler.ts');
    writeFileSync(entry, HANDLER_SOURCE);
    bundle = (
      await bundleSubject(
        { name: 'handler', entry, bundling: TIDINGS_BUNDLING, env: {} },
        join(outdir, 'out'),
      )
    ).file;
  }, 60_000);

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('maps, when formatted, to the frames --enable-source-maps gives at load', () => {
    // Arrange: the same error, formatted by Node with the flag, and by us without it.
    const script = `
      const bundle = await import(${JSON.stringify(pathToFileURL(bundle).href)});
      try { bundle.depsFromEnv(); } catch (error) { console.log(JSON.stringify(error.stack)); }`;
    const run = (options: string) =>
      JSON.parse(
        execFileSync(
          process.execPath,
          [...(options ? [options] : []), '--input-type=module', '-e', script],
          {
            env: { PATH: process.env.PATH ?? '' },
          },
        ).toString(),
      ) as string;
    const bundleFrames = (stack: string) => stack.split('\n').slice(0, 3);

    // Act
    const byNode = run('--enable-source-maps');
    const byUs = sourceMappedStack(run(''), sourceMapBeside);

    // Assert
    expect(bundleFrames(byUs)).toEqual(bundleFrames(byNode));
    expect(bundleFrames(byUs)[1]).toMatch(/^ {4}at requireVariable \(.*handler\.ts:3:\d+\)$/);
  }, 30_000);
});

describe('measureSourceMaps', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'tidings-source-map-modes-'));

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('shows original frames with the flag or mapping at the first error, minified ones otherwise', async () => {
    // Arrange
    const entry = join(outdir, 'handler.ts');
    writeFileSync(entry, HANDLER_SOURCE);

    // Act
    const modes = await measureSourceMaps(
      {
        name: 'handler',
        entry,
        bundling: TIDINGS_BUNDLING,
        construct: 'depsFromEnv',
        requiredVariable: 'PROBE_QUEUE',
        env: { PROBE_QUEUE: 'https://example.com/queue' },
      },
      { outdir: join(outdir, 'out'), runs: 1 },
    );
    const topFrame = Object.fromEntries(modes.map((m) => [m.mode, m.stack[1] ?? '']));

    // Assert: setSourceMapsEnabled after the bundle loaded maps nothing.
    expect(topFrame.flag).toMatch(/handler\.ts:3:\d+\)$/);
    expect(topFrame['map-on-first-error']).toMatch(/handler\.ts:3:\d+\)$/);
    expect(topFrame.none).toMatch(/index\.mjs:\d+:\d+\)$/);
    expect(topFrame['enable-on-first-error']).toMatch(/index\.mjs:\d+:\d+\)$/);
  }, 60_000);
});
