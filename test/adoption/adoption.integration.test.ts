/**
 * The adoption test: Tidings as a team adopts it. `npm pack` makes the tarball a registry would
 * serve; a copy of the fixture app (test/adoption/fixture: its own package.json, a cdk
 * init-style tsconfig, its own notifications module with two event types, its own CDK app and
 * vitest test) installs it with npm, outside this repository, and then type-checks, synthesizes
 * offline, runs its own tests and its own events through `tidings local`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireFreshBuild } from '../package/helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURE = join(import.meta.dirname, 'fixture');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The environment of a command run in the fixture: none of this run's npm or vitest settings. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) =>
        !name.startsWith('npm_') &&
        !name.startsWith('VITEST') &&
        !['NODE_ENV', 'INIT_CWD', 'TEST', 'NODE_OPTIONS'].includes(name),
    ),
  );
  return { ...env, CDK_DISABLE_VERSION_CHECK: 'true', CI: 'true' };
}

interface Ran {
  readonly status: number | null;
  readonly output: string;
  readonly ms: number;
}

function run(command: string, args: string[], cwd: string, timeout = 300_000): Ran {
  const started = performance.now();
  const result = spawnSync(command, args, {
    cwd,
    env: cleanEnv(),
    encoding: 'utf8',
    timeout,
    maxBuffer: 64 * 1024 * 1024,
  });
  return {
    status: result.status,
    output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`,
    ms: Math.round(performance.now() - started),
  };
}

/** Every file below `dir`, relative to it. */
function filesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((path) =>
    statSync(join(dir, path)).isFile(),
  );
}

describe('Tidings adopted as a package by a team’s own app', () => {
  const work = mkdtempSync(join(tmpdir(), 'tidings-adoption-'));
  const app = join(work, 'billing-service');
  let tarball: { name: string; size: number; files: string[] } | undefined;

  beforeAll(() => {
    // The build `npm test` made first (prepack would make it too), then the pack alone, so only
    // npm's JSON is on stdout.
    requireFreshBuild();
    const packed = JSON.parse(
      execFileSync(NPM, ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
        cwd: ROOT,
        env: cleanEnv(),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
      }),
    ) as { filename: string; size: number; files: { path: string }[] }[];
    const [pack] = packed;
    if (!pack) throw new TypeError('npm pack reported no tarball');
    tarball = { name: pack.filename, size: pack.size, files: pack.files.map((f) => f.path) };
    cpSync(join(work, pack.filename), join(work, 'tidings.tgz'));
    cpSync(FIXTURE, app, { recursive: true });
    // From npm's cache, filled by this repository's own install; the registry otherwise.
    const installed = run(
      NPM,
      ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
      app,
      600_000,
    );
    if (installed.status !== 0) throw new Error(`npm install failed:\n${installed.output}`);
    process.stdout.write(
      `adoption: tarball ${tarball.name} ${(tarball.size / 1024).toFixed(0)} KB, ${tarball.files.length} files; npm install ${installed.ms} ms\n`,
    );
  }, 900_000);

  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('installs a tarball of built JavaScript and declarations, without tests, bench or sources', () => {
    const files = tarball?.files ?? [];

    expect(files).toContain('dist/lambdas/index.js');
    expect(files).toContain('dist/lib/index.d.ts');
    expect(files).toContain('dist/lambdas/testing/index.js');
    expect(files).toContain('dist/bin/cli.js');
    expect(files.filter((f) => /^(test|bench|chaos|examples)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(
      filesIn(join(app, 'node_modules', 'tidings')).some((f) => f === 'dist/lib/index.js'),
    ).toBe(true);
  });

  it('type-checks the app with its plain NodeNext tsconfig', () => {
    const checked = run('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json'], app);

    expect(checked.output).toBe('');
    expect(checked.status).toBe(0);
  }, 120_000);

  it('synthesizes offline with the team’s module in the consumer and no producer', () => {
    // Act
    const synth = run('npx', ['cdk', 'synth', '--quiet', '--no-notices'], app, 600_000);
    process.stdout.write(`adoption: cdk synth ${synth.ms} ms\n`);

    // Assert
    expect(synth.status, synth.output).toBe(0);
    const template = JSON.parse(
      readFileSync(join(app, 'cdk.out', 'Billing.template.json'), 'utf8'),
    ) as {
      Resources: Record<
        string,
        { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }
      >;
    };
    const functions = Object.values(template.Resources).filter(
      (resource) => resource.Type === 'AWS::Lambda::Function',
    );
    const descriptions = functions.map((fn) => String(fn.Properties.Description ?? ''));
    expect(descriptions.filter((d) => /producer/i.test(d))).toEqual([]);
    const consumer = functions.find((fn) =>
      String(fn.Properties.Description).startsWith('Tidings consumer'),
    );
    const assetPath = String(consumer?.Metadata?.['aws:asset:path']);
    const code = filesIn(join(app, 'cdk.out', assetPath))
      .filter((file) => file.endsWith('.mjs'))
      .map((file) => readFileSync(join(app, 'cdk.out', assetPath, file), 'utf8'))
      .join('\n');
    const marker = 'Billing receipt (fixture marker 7f3c)';
    process.stdout.write(
      `adoption: consumer asset ${assetPath}: marker ${code.includes(marker) ? 'found' : 'absent'}, demo string ${code.includes('Welcome to Tidings') ? 'found' : 'absent'}\n`,
    );
    expect(code).toContain(marker);
    expect(code).not.toContain('Welcome to Tidings');
  }, 600_000);

  it('passes the team’s own vitest test of its routes, written with tidings/testing', () => {
    const tested = run('npx', ['vitest', 'run'], app);

    expect(tested.status, tested.output).toBe(0);
    expect(tested.output).toMatch(/3 passed/);
  }, 120_000);

  it('runs the team’s own event through `npx tidings local`', () => {
    const local = run(
      'npx',
      ['tidings', 'local', 'src/notifications.ts', '--event', 'events/invoice-paid.json'],
      app,
    );

    expect(local.status, local.output).toBe(0);
    expect(local.output).toContain('email to ada@example.com');
    expect(local.output).toContain('subject: Billing receipt (fixture marker 7f3c)');
  }, 120_000);
});
