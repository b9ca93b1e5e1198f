import { join } from 'node:path';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/** The handler source and where its bundle goes. */
export interface BundleTarget {
  readonly entry: string;
  readonly outdir: string;
}

/**
 * The esbuild options `NodejsFunction` uses for `bundling`, for the esbuild JS API: the same
 * flags the CDK passes on its esbuild command line (aws-cdk-lib's `Bundling.buildEsbuildArgs`),
 * so what is built through the JS API (the code-split consumer, the benchmark's bundles) is
 * byte for byte what `NodejsFunction` would build from the same options. Covered: target,
 * platform, format and output name, minify, source maps (mode and sources content),
 * externals (the CDK's default is `@aws-sdk/*` unless `bundleAwsSDK`), loaders, defines,
 * log level, keep names, metafile, banner, footer, main fields and inject. Not covered:
 * `nodeModules` installs, command hooks, tsc pre-compilation and Docker; Tidings' bundling
 * options use none of them.
 *
 * @throws TypeError when `bundling` uses an option the translation does not cover.
 */
export function esbuildOptionsFromCdk(
  bundling: BundlingOptions,
  target: BundleTarget,
  defaultTarget = 'node24',
): BuildOptions {
  const unsupported = (['nodeModules', 'commandHooks', 'preCompilation', 'esbuildArgs'] as const)
    .filter((key) => bundling[key] !== undefined)
    .map(String);
  if (unsupported.length > 0) {
    throw new TypeError(
      `bundling options the esbuild JS API build does not reproduce: ${unsupported.join(', ')}`,
    );
  }
  const esm = bundling.format === 'esm';
  const sourcemap = bundling.sourceMap || bundling.sourceMapMode !== undefined;
  const mode = bundling.sourceMapMode;
  return {
    logLevel: 'error',
    entryPoints: [target.entry],
    bundle: true,
    target: bundling.target ?? defaultTarget,
    platform: 'node',
    ...(bundling.format ? { format: bundling.format } : {}),
    outfile: join(target.outdir, esm ? 'index.mjs' : 'index.js'),
    minify: bundling.minify ?? false,
    ...(sourcemap ? { sourcemap: mode === undefined || mode === 'default' ? true : mode } : {}),
    ...(bundling.sourcesContent === false ? { sourcesContent: false } : {}),
    external: [...(bundling.externalModules ?? (bundling.bundleAwsSDK ? [] : ['@aws-sdk/*']))],
    ...(bundling.loader ? { loader: bundling.loader as BuildOptions['loader'] } : {}),
    ...(bundling.define ? { define: bundling.define } : {}),
    ...(bundling.logLevel ? { logLevel: bundling.logLevel as BuildOptions['logLevel'] } : {}),
    ...(bundling.keepNames ? { keepNames: true } : {}),
    ...(bundling.tsconfig ? { tsconfig: bundling.tsconfig } : {}),
    ...(bundling.metafile ? { metafile: true } : {}),
    ...(bundling.banner ? { banner: { js: bundling.banner } } : {}),
    ...(bundling.footer ? { footer: { js: bundling.footer } } : {}),
    ...(bundling.mainFields ? { mainFields: [...bundling.mainFields] } : {}),
    ...(bundling.inject ? { inject: [...bundling.inject] } : {}),
    write: true,
  };
}
