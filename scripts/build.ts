/**
 * `npm run build` (and `prepack`): compiles lambdas/, lib/ and bin/cli.ts into dist/, JavaScript
 * and declarations, with tsconfig.build.json. dist/ is emptied first, so a file deleted from the
 * sources is never packed from an old build.
 *
 * tsc rewrites the sources' `.ts` import paths to `.js` in the JavaScript it emits
 * (`rewriteRelativeImportExtensions`) but not in the declarations (microsoft/TypeScript#61037,
 * still so in TypeScript 7): this rewrites them there too, so tools that read the `.d.ts` files
 * without TypeScript's resolver find the files dist/ holds, and then checks that no emitted file
 * names a `.ts` module.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');

/**
 * A relative module specifier ending in `.ts`, `.mts` or `.cts` (not `.d.ts`) after `from`,
 * `import` or `import(`: groups are the text before the path, the quote, the path without its
 * extension and the `m`/`c` of the extension.
 */
const RELATIVE_TS_SPECIFIER =
  /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"\n]*?)(?<!\.d)\.([mc]?)ts\2/g;

/** The declaration text with each relative `.ts` import path turned into its `.js` twin. */
function rewriteDeclarationImports(text: string): string {
  return text.replace(RELATIVE_TS_SPECIFIER, '$1$2$3.$4js$2');
}

function emittedFiles(directory: string): string[] {
  return readdirSync(directory, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.js') || name.endsWith('.d.ts'))
    .map((name) => join(directory, name));
}

function main(): void {
  const started = performance.now();
  rmSync(DIST, { recursive: true, force: true });
  const typescript = createRequire(import.meta.url).resolve('typescript/package.json');
  const tsc = join(dirname(typescript), 'bin', 'tsc');
  const compiled = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (compiled.status !== 0) {
    process.exitCode = compiled.status ?? 1;
    return;
  }
  const files = emittedFiles(DIST);
  const leftovers: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const rewritten = file.endsWith('.d.ts') ? rewriteDeclarationImports(text) : text;
    if (rewritten !== text) writeFileSync(file, rewritten);
    for (const match of rewritten.matchAll(RELATIVE_TS_SPECIFIER)) {
      leftovers.push(`${file}: ${match[0]}`);
    }
  }
  if (leftovers.length > 0) {
    console.error(`emitted files still import .ts modules:\n${leftovers.join('\n')}`);
    process.exitCode = 1;
    return;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`dist/: ${files.length} files in ${seconds} s`);
}

main();
