/**
 * Every TypeScript block of the README is compiled against the built package, as a team's
 * project compiles it: a plain NodeNext tsconfig, `tidings` resolved through node_modules to
 * what `npm pack` ships (dist/ and its declarations), the other packages from this repository's
 * node_modules. A block whose first line is a path comment (`// src/notifications.ts`) is
 * written at that path, so the blocks can import each other as a service's files do.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, requireFreshBuild } from '../package/helpers.ts';

interface Snippet {
  readonly file: string;
  readonly code: string;
  readonly line: number;
}

/** The ```ts and ```typescript blocks of a Markdown text, each with the file it is written to. */
function typeScriptBlocks(markdown: string): Snippet[] {
  const snippets: Snippet[] = [];
  const fence = /^```(ts|typescript)\s*$([\s\S]*?)^```\s*$/gm;
  for (const match of markdown.matchAll(fence)) {
    const code = (match[2] ?? '').replace(/^\n/, '');
    const path = /^\/\/ ([\w./-]+\.ts)\s*$/m.exec(code.split('\n')[0] ?? '')?.[1];
    const line = markdown.slice(0, match.index).split('\n').length;
    snippets.push({ file: path ?? `snippets/readme-line-${line}.ts`, code, line });
  }
  return snippets;
}

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['es2022'],
    types: ['node'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  },
  include: ['**/*.ts'],
  exclude: ['node_modules'],
};

/** Writes the snippets as a project of their own and type-checks it; returns tsc's output. */
function compile(
  dir: string,
  snippets: readonly Snippet[],
): { status: number | null; output: string } {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  // The package as an installed copy: its package.json exports lead to dist/.
  symlinkSync(ROOT, join(dir, 'node_modules', 'tidings'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG));
  for (const snippet of snippets) {
    mkdirSync(dirname(join(dir, snippet.file)), { recursive: true });
    writeFileSync(join(dir, snippet.file), snippet.code);
  }
  const tsc = join(
    dirname(createRequire(import.meta.url).resolve('typescript/package.json')),
    'bin',
    'tsc',
  );
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const WORK = join(ROOT, '.tidings-local', 'readme-snippets');

describe('the README’s TypeScript', () => {
  const snippets = typeScriptBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));

  beforeAll(() => requireFreshBuild());

  it('has the blocks of the adoption walk-through: module, stack, service, test', () => {
    expect(snippets.map((s) => s.file)).toEqual(
      expect.arrayContaining([
        'src/notifications.ts',
        'bin/app.ts',
        'src/payInvoice.ts',
        'test/notifications.test.ts',
      ]),
    );
  });

  it('compiles against the package, every block, as a team’s project would', () => {
    const { status, output } = compile(join(WORK, 'readme'), snippets);

    expect(output).toBe('');
    expect(status).toBe(0);
  }, 120_000);

  it('would fail on a block that imports what the package does not export', () => {
    // The check can fail: the same project with one block importing a name 'tidings' lacks.
    const broken: Snippet = {
      file: 'src/broken.ts',
      code: "import { createAppRouter } from 'tidings';\nexport const router = createAppRouter();\n",
      line: 0,
    };

    const { status, output } = compile(join(WORK, 'broken'), [...snippets, broken]);

    expect(status).not.toBe(0);
    expect(output).toMatch(/src\/broken\.ts.*has no exported member.*createAppRouter/);
  }, 120_000);
});
