import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { afterAll, describe, expect, it } from 'vitest';
import { Env } from '../../lambdas/constants.ts';
import { LAMBDA_BASE_ENVIRONMENT, LambdaRole, lambdaCodeProps } from '../../lib/bundling.ts';

/** A zipped Lambda must stay under 50 MB; a bundle near this size has pulled in too much. */
const MAX_BUNDLE_BYTES = 5 * 1024 * 1024;

/** Average line length above which a bundle is minified (measured: ~7,000 minified, ~35 not). */
const MIN_MINIFIED_CHARS_PER_LINE = 1000;

const outdirs: string[] = [];

afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * Builds one handler through `NodejsFunction` with the construct's own code props (entry,
 * runtime, architecture, bundling options) and returns the directory of the built asset.
 */
function bundle(role: LambdaRole): string {
  const outdir = mkdtempSync(join(tmpdir(), `tidings-bundle-${role}-`));
  outdirs.push(outdir);
  const app = new App({ outdir });
  const stack = new Stack(app, 'Bundle');
  new NodejsFunction(stack, 'Handler', lambdaCodeProps(role));
  const template = Template.fromStack(stack);
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
  const key = String(fn?.Properties.Code.S3Key);
  return join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
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
  let assetDir: string | undefined;
  const built = (): string => {
    assetDir ??= bundle(role);
    return assetDir;
  };

  it('builds with the construct’s bundling options into a minified ES module with a source map', () => {
    // Act
    const dir = built();

    // Assert
    const code = join(dir, 'index.mjs');
    expect(existsSync(code)).toBe(true);
    expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
    expect(statSync(code).size).toBeLessThan(MAX_BUNDLE_BYTES);
    const text = readFileSync(code, 'utf8');
    expect(text).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    // Minified, lines run to thousands of characters; unminified they average about 35.
    expect(text.length / text.split('\n').length).toBeGreaterThan(MIN_MINIFIED_CHARS_PER_LINE);
  }, 60_000);

  it('carries its AWS SDK inside, with no package import left for the runtime to resolve', () => {
    // Arrange
    const code = readFileSync(join(built(), 'index.mjs'), 'utf8');

    // Act
    const imported = [
      ...code.matchAll(/(?:^|[;\s}])import\s*(?:[^'"]*?from\s*)?["']([^"']+)["']/g),
      ...code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
    ]
      .map((match) => match[1])
      .filter((specifier): specifier is string => specifier !== undefined);

    // Assert: only Node built-ins, which every runtime has.
    const builtins = new Set(builtinModules);
    expect(
      imported.filter((specifier) => !specifier.startsWith('node:') && !builtins.has(specifier)),
    ).toEqual([]);
  });

  it('loads without node_modules and exports a handler function', () => {
    const type = loadHandlerType(join(built(), 'index.mjs'));

    expect(type).toBe('function');
  });
});
