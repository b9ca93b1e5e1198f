import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { EXAMPLE_NOTIFICATIONS, EXAMPLE_PRODUCER } from '../../bench/entries.ts';
import { Env } from '../../lambdas/constants.ts';
import {
  LAMBDA_BASE_ENVIRONMENT,
  LAMBDA_PACKAGING,
  LambdaRole,
  type LambdaSource,
  LocalBundlingOnly,
  lambdaCode,
} from '../../lib/bundling.ts';
import { TidingsBundlingError } from '../../lib/errors.ts';
import { thrownBy } from '../helpers/events.ts';

/** A zipped Lambda must stay under 50 MB; a bundle near this size has pulled in too much. */
const MAX_BUNDLE_BYTES = 5 * 1024 * 1024;

/** Average line length above which a bundle is minified (measured: ~7,000 minified, ~35 not). */
const MIN_MINIFIED_CHARS_PER_LINE = 1000;

/**
 * Strings only the SDK clients' own code carries (service ids and schema namespaces), never
 * Tidings' code that merely names a client: where they appear, that client's code is there.
 */
const CLIENT_CODE_MARKERS = {
  ses: ['"SESv2"', '"SimpleEmailService_v2"'],
  sns: ['"AmazonSimpleNotificationService"', '"com.amazonaws.sns"'],
  secretsManager: ['"secretsmanager"'],
} as const;

const outdirs: string[] = [];

afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/** What the repository's stack builds each role from: the signup example's modules. */
function exampleSource(role: LambdaRole): LambdaSource {
  return role === 'producer'
    ? { role, handler: { entry: EXAMPLE_PRODUCER } }
    : { role, notifications: { entry: EXAMPLE_NOTIFICATIONS } };
}

/**
 * Builds one function as the construct does, from its own code props (`lambdaCode`) through
 * `lambda.Function`, for the signup example's modules. Returns the directory of the built
 * asset and the function's handler.
 */
function bundle(role: LambdaRole): { dir: string; handler: string } {
  const outdir = mkdtempSync(join(tmpdir(), `tidings-bundle-${role}-`));
  outdirs.push(outdir);
  const app = new App({ outdir });
  const stack = new Stack(app, 'Bundle');
  new LambdaFunction(stack, 'Handler', lambdaCode(exampleSource(role)));
  const template = Template.fromStack(stack);
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
  const key = String(fn?.Properties.Code.S3Key);
  return {
    dir: join(outdir, `asset.${key.replace(/\.zip$/, '')}`),
    handler: String(fn?.Properties.Handler),
  };
}

/** Every JavaScript file of an asset, relative to it. */
function modulesOf(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.mjs'))
    .sort();
}

/** The specifiers a minified ES module imports, statically and (when asked) by `import()`. */
function importsOf(code: string, { dynamic }: { dynamic: boolean }): string[] {
  const found = [...code.matchAll(/(?:^|[;\s}])import\s*(?:[^'"]*?from\s*)?["']([^"']+)["']/g)];
  if (dynamic) found.push(...code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g));
  return found
    .map((match) => match[1])
    .filter((specifier): specifier is string => specifier !== undefined);
}

/**
 * The files a cold start reads: the entry and, transitively, what it imports statically.
 * Chunks reached only by `import()` are left out: they load when that code first runs.
 */
function initModules(dir: string, entry = 'index.mjs'): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const specifier of importsOf(readFileSync(join(dir, file), 'utf8'), { dynamic: false })) {
      if (specifier.startsWith('.')) visit(relative(dir, resolve(dir, dirname(file), specifier)));
    }
  };
  visit(entry);
  return [...seen].sort();
}

/**
 * Imports the bundle in a fresh Node process from a directory with no `node_modules` above
 * it, as Lambda would: any import the bundle left external and the runtime lacks fails here.
 */
function loadHandlerType(bundleFile: string): string {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'eu-west-1',
    ...LAMBDA_BASE_ENVIRONMENT,
    ...Object.fromEntries(Object.values(Env).map((name) => [name, `test-${name}`])),
    [Env.ALLOW_LOOPBACK_WEBHOOKS]: 'false',
  };
  return execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      'const m = await import(process.argv[1]); process.stdout.write(typeof m.handler);',
      `file://${bundleFile}`,
    ],
    { cwd: tmpdir(), env, encoding: 'utf8', timeout: 30_000 },
  );
}

describe.each(Object.values(LambdaRole))('the %s bundle', (role) => {
  let built: { dir: string; handler: string } | undefined;
  const asset = (): { dir: string; handler: string } => {
    built ??= bundle(role);
    return built;
  };

  it('builds with the construct’s bundling options into minified ES modules with source maps', () => {
    // Act
    const { dir, handler } = asset();

    // Assert
    expect(handler).toBe('index.handler');
    expect(existsSync(join(dir, 'index.mjs'))).toBe(true);
    const modules = modulesOf(dir);
    let chars = 0;
    let lines = 0;
    for (const file of modules) {
      const text = readFileSync(join(dir, file), 'utf8');
      const name = file.split('/').at(-1) ?? file;
      expect(existsSync(join(dir, `${file}.map`))).toBe(true);
      expect(text).toMatch(
        new RegExp(`//# sourceMappingURL=${name.replace(/\./g, '\\.')}\\.map\\s*$`),
      );
      chars += text.length;
      lines += text.split('\n').length;
    }
    expect(modules.reduce((bytes, file) => bytes + statSync(join(dir, file)).size, 0)).toBeLessThan(
      MAX_BUNDLE_BYTES,
    );
    // Minified, lines run to thousands of characters; unminified they average about 35.
    expect(chars / lines).toBeGreaterThan(MIN_MINIFIED_CHARS_PER_LINE);
  }, 60_000);

  it('carries its AWS SDK inside, with no package import left for the runtime to resolve', () => {
    // Arrange
    const { dir } = asset();

    // Act
    const imported = modulesOf(dir).flatMap((file) =>
      importsOf(readFileSync(join(dir, file), 'utf8'), { dynamic: true }).map((specifier) => ({
        file,
        specifier,
      })),
    );

    // Assert: Node built-ins, which every runtime has, and files of the asset itself.
    const builtins = new Set(builtinModules);
    const unresolved = imported.filter(({ file, specifier }) =>
      specifier.startsWith('.')
        ? !existsSync(resolve(dir, dirname(file), specifier))
        : !specifier.startsWith('node:') && !builtins.has(specifier),
    );
    expect(unresolved).toEqual([]);
  });

  it('loads without node_modules and exports a handler function', () => {
    const type = loadHandlerType(join(asset().dir, 'index.mjs'));

    expect(type).toBe('function');
  });

  if (LAMBDA_PACKAGING[role] === 'code-split') {
    it('is split: SES, SNS and Secrets Manager code sits in chunks a cold start does not read', () => {
      // Arrange
      const { dir } = asset();
      const read = (files: string[]) =>
        files.map((file) => readFileSync(join(dir, file), 'utf8')).join('\n');

      // Act
      const atInit = read(initModules(dir));
      const everything = read(modulesOf(dir));

      // Assert: each client's code is in the asset (the markers are real) ...
      const markers = Object.values(CLIENT_CODE_MARKERS).flat();
      expect(markers.filter((marker) => !everything.includes(marker))).toEqual([]);
      // ... and none of it in the entry or the chunks it imports statically.
      expect(markers.filter((marker) => atInit.includes(marker))).toEqual([]);
      expect(modulesOf(dir).length).toBeGreaterThan(initModules(dir).length);
    });
  } else {
    it('is one file', () => {
      expect(modulesOf(asset().dir)).toEqual(['index.mjs']);
    });
  }
});

describe('a kit function built around a team’s notifications module', () => {
  it('bundles the module’s routes: the example consumer carries its welcome email', () => {
    // Act
    const { dir } = bundle('consumer');
    const code = modulesOf(dir)
      .map((file) => readFileSync(join(dir, file), 'utf8'))
      .join('\n');

    // Assert
    expect(code).toContain('Welcome to Tidings');
  }, 60_000);

  it('refuses an entry that does not exist, naming the role and the path, at construction', () => {
    // Arrange
    const stack = new Stack(new App(), 'Missing');

    // Act
    const error = thrownBy(
      () =>
        new LambdaFunction(
          stack,
          'Handler',
          lambdaCode({ role: 'relay', notifications: { entry: 'no/such/notifications.ts' } }),
        ),
    );

    // Assert
    expect(error).toBeInstanceOf(TidingsBundlingError);
    expect(error).toMatchObject({ role: 'relay' });
    expect((error as Error).message).toMatch(
      /notifications\.entry \(built into the relay\) does not exist: "no\/such\/notifications\.ts"/,
    );
  });

  it('refuses an entry that is not a module file, and an export name that is not an identifier', () => {
    // Act
    const notModule = thrownBy(() =>
      lambdaCode({ role: 'consumer', notifications: { entry: 'README.md' } }),
    );
    const badExport = thrownBy(() =>
      lambdaCode({
        role: 'consumer',
        notifications: { entry: EXAMPLE_NOTIFICATIONS, exportName: 'not-an-identifier' },
      }),
    );

    // Assert
    expect((notModule as Error).message).toMatch(
      /notifications\.entry \(built into the consumer\) must be a \.ts, \.mts, \.js, \.mjs file/,
    );
    expect((badExport as Error).message).toMatch(
      /the export name of notifications\.entry must be an identifier: "not-an-identifier"/,
    );
  });
});

describe('the local-only bundling image', () => {
  it('refuses to run, saying the function is built with a local esbuild, rather than pull an image', () => {
    // Arrange: what the CDK falls back to when local bundling declines (no esbuild installed).
    const image = new LocalBundlingOnly('consumer');

    // Act
    const error = thrownBy(() => image.run());

    // Assert
    expect(error).toBeInstanceOf(TidingsBundlingError);
    expect(error).toMatchObject({ role: 'consumer', permanent: true });
    expect(String((error as Error).message)).toMatch(/install esbuild/);
  });
});
