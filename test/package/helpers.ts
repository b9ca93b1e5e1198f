import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, where package.json is. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The parts of package.json the package tests read. */
export interface PackageJson {
  readonly name: string;
  readonly exports: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly bin?: Readonly<Record<string, string>>;
  readonly dependencies: Readonly<Record<string, string>>;
  readonly devDependencies: Readonly<Record<string, string>>;
  readonly peerDependencies: Readonly<Record<string, string>>;
  readonly peerDependenciesMeta?: Readonly<Record<string, { readonly optional?: boolean }>>;
}

export function readPackageJson(): PackageJson {
  return JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
}

/** The newest modification time of the files below `dir`, in ms. */
function newestMtime(dir: string, suffix: string): number {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith(suffix))
    .reduce((newest, name) => Math.max(newest, statSync(join(dir, name)).mtimeMs), 0);
}

/**
 * Checks that dist/ is the build of the sources as they are: `npm test` builds it first
 * (`pretest`), once, so test files running in parallel never rebuild it under each other.
 * @throws Error saying to run `npm run build` when dist/ is missing or older than a source.
 */
export function requireFreshBuild(): void {
  const built = existsSync(join(ROOT, 'dist'))
    ? Math.min(
        ...['lambdas/index.js', 'lib/index.js', 'bin/cli.js'].map((file) => {
          const path = join(ROOT, 'dist', file);
          return existsSync(path) ? statSync(path).mtimeMs : 0;
        }),
      )
    : 0;
  const sources = Math.max(
    ...['lambdas', 'lib'].map((dir) => newestMtime(join(ROOT, dir), '.ts')),
    statSync(join(ROOT, 'bin', 'cli.ts')).mtimeMs,
  );
  if (built < sources) {
    throw new Error(
      'dist/ is missing or older than the sources: run `npm run build` first (`npm test` does it)',
    );
  }
}

/** What `npm pack --dry-run --json` reports. */
export interface PackReport {
  readonly files: readonly { readonly path: string; readonly size: number }[];
  readonly entryCount: number;
  /** Bytes of the .tgz. */
  readonly size: number;
  readonly unpackedSize: number;
}

/** The tarball `npm pack` would make now; scripts are skipped, so run the build first. */
export function packDryRun(): PackReport {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [report] = JSON.parse(out) as PackReport[];
  if (!report) throw new TypeError(`npm pack --json printed no report: ${out}`);
  return report;
}

/** One `exports` subpath and the files its `types` and `import` conditions name. */
export interface ExportTarget {
  readonly subpath: string;
  readonly types: string;
  readonly import: string;
}

export function exportTargets(pkg: PackageJson): ExportTarget[] {
  return Object.entries(pkg.exports).map(([subpath, conditions]) => ({
    subpath,
    types: String(conditions.types),
    import: String(conditions.import),
  }));
}

/** `tidings`, `tidings/cdk`, ...: the specifier an app imports each subpath by. */
export function specifierOf(pkg: PackageJson, subpath: string): string {
  return subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
}

/** The npm package a bare specifier names: `@aws-sdk/client-sqs`, `aws-cdk-lib`, `zod`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

const BUILTINS = new Set(builtinModules);

/**
 * The module specifiers `text` (emitted JavaScript or declarations) names: static and
 * dynamic imports, re-exports, and `require` / `createRequire(...)` calls and their
 * `.resolve`. Comments are dropped first, so a specifier quoted in a doc comment does not
 * count.
 */
export function specifiersIn(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const patterns = [
    /\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    // Optional peers, imported by a name bundlers do not follow (lambdas/local/optionalPeers.ts).
    /\bimportAtRunTime(?:<[^>(]*>)?\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\b(?:require|createRequire\([^)]*\))(?:\.resolve)?\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  return patterns.flatMap((pattern) => [...code.matchAll(pattern)].map((match) => match[1] ?? ''));
}

/** The npm packages among `specifiers`: not relative, not `node:` or other built-ins. */
export function packagesIn(specifiers: readonly string[]): Set<string> {
  return new Set(
    specifiers
      .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !BUILTINS.has(s))
      .map(packageOf),
  );
}

/**
 * An app directory where Tidings is installed from the files `npm pack` lists, beside its
 * dependencies and required peers only (linked from this repository's node_modules): the
 * optional peers are absent, as in an app that never ran `npm install` for them.
 */
export function installWithoutOptionalPeers(pkg: PackageJson, report: PackReport): string {
  const app = mkdtempSync(join(tmpdir(), 'tidings-app-'));
  const installed = join(app, 'node_modules', pkg.name);
  for (const { path } of report.files) {
    mkdirSync(dirname(join(installed, path)), { recursive: true });
    cpSync(join(ROOT, path), join(installed, path));
  }
  const optional = new Set(
    Object.entries(pkg.peerDependenciesMeta ?? {})
      .filter(([, meta]) => meta.optional)
      .map(([name]) => name),
  );
  const linked = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.peerDependencies)];
  for (const name of linked.filter((name) => !optional.has(name))) {
    mkdirSync(dirname(join(app, 'node_modules', name)), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), join(app, 'node_modules', name), 'dir');
  }
  return app;
}

/** Runs an ES module `script` with plain Node (no loader, no conditions) in `cwd`. */
export function runNode(
  cwd: string,
  script: string,
): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
