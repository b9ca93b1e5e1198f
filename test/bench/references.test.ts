import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleSubject } from '../../bench/coldStart.ts';
import { TIDINGS_BUNDLING } from '../../lib/bundling.ts';

const REFERENCES = join(import.meta.dirname, '..', '..', 'bench', 'reference');
const PARTS = join(import.meta.dirname, '..', '..', 'bench', 'coldStartParts');

/** The zod modules a bundle of `entry` holds, as paths under `zod/v4/`. */
async function zodModulesOf(entry: string, outdir: string): Promise<string[]> {
  const { inputs } = await bundleSubject(
    { name: 'reference', entry, bundling: TIDINGS_BUNDLING, env: {} },
    outdir,
  );
  return Object.keys(inputs)
    .map((path) => /node_modules\/zod\/v4\/(.+)$/.exec(path)?.[1])
    .filter((path): path is string => path !== undefined);
}

const locales = (modules: readonly string[]) =>
  modules.filter((path) => path.startsWith('locales/') && path !== 'locales/index.js');

describe('the reference consumers, bundled as NodejsFunction bundles them', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'tidings-references-'));
  const zod: Record<string, string[]> = {};

  beforeAll(async () => {
    for (const name of ['consumer', 'consumerZodNamespace', 'carefulConsumer']) {
      zod[name] = await zodModulesOf(join(REFERENCES, `${name}.ts`), join(outdir, name));
    }
  }, 120_000);

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it("carries every zod locale in the conventional one, through `import { z } from 'zod'`", () => {
    expect(zod.consumer?.some((path) => path.startsWith('classic/'))).toBe(true);
    expect(locales(zod.consumer ?? []).length).toBeGreaterThan(40);
  });

  it("carries the classic API and the English locale only through `import * as z from 'zod'`", () => {
    expect(zod.consumerZodNamespace?.some((path) => path.startsWith('classic/'))).toBe(true);
    expect(locales(zod.consumerZodNamespace ?? [])).toEqual(['locales/en.js']);
  });

  it('carries zod/mini and no classic API or locale in the careful one', () => {
    expect(zod.carefulConsumer?.some((path) => path.startsWith('mini/'))).toBe(true);
    expect(zod.carefulConsumer?.filter((path) => path.startsWith('classic/'))).toEqual([]);
    expect(locales(zod.carefulConsumer ?? [])).toEqual([]);
  });
});

describe('the zod calibration parts', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'tidings-zod-parts-'));

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('differ only in the import form, and the named import brings the locales', async () => {
    // Act
    const named = await zodModulesOf(join(PARTS, 'zodOnly.ts'), join(outdir, 'named'));
    const namespace = await zodModulesOf(join(PARTS, 'zodNamespace.ts'), join(outdir, 'ns'));

    // Assert
    expect(locales(named).length).toBeGreaterThan(40);
    expect(locales(namespace)).toEqual(['locales/en.js']);
  }, 60_000);
});
