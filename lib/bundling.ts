import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage, type ILocalBundling } from 'aws-cdk-lib';
import { Architecture, Code, type FunctionProps, Runtime } from 'aws-cdk-lib/aws-lambda';
import {
  type BundlingOptions,
  type NodejsFunctionProps,
  OutputFormat,
  SourceMapMode,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';
import { TidingsBundlingError } from './errors.ts';
import { esbuildOptionsFromCdk } from './esbuild-options.ts';

/** The four Lambda functions Tidings deploys, by role. */
export const LambdaRole = {
  PRODUCER: 'producer',
  RELAY: 'relay',
  CONSUMER: 'consumer',
  SWEEPER: 'sweeper',
} as const;

/** One of the roles in {@link LambdaRole}. */
export type LambdaRole = (typeof LambdaRole)[keyof typeof LambdaRole];

/**
 * How each function is packaged. `single-file`: one `index.mjs` built by `NodejsFunction`.
 * `code-split`: an `index.mjs` and chunks, built by esbuild's JS API with `splitting` (which
 * `NodejsFunction` cannot do: it always passes `--outfile`), so code reached only by
 * `import()` (the consumer's SES, SNS and Secrets Manager clients) is not loaded at cold
 * start. The consumer is split because its cold start has a budget the single file misses
 * (docs/benchmarks.md, section 3); the others send on every invocation, so they keep one file.
 */
export const LAMBDA_PACKAGING = {
  producer: 'single-file',
  relay: 'single-file',
  consumer: 'code-split',
  sweeper: 'single-file',
} as const satisfies Record<LambdaRole, 'single-file' | 'code-split'>;

/** A role deployed as one file by `NodejsFunction`. */
export type SingleFileRole = {
  [R in LambdaRole]: (typeof LAMBDA_PACKAGING)[R] extends 'single-file' ? R : never;
}[LambdaRole];

/** A role deployed code-split (see {@link LAMBDA_PACKAGING}). */
export type CodeSplitRole = Exclude<LambdaRole, SingleFileRole>;

/**
 * Absolute path of each handler's entry file, each exporting `handler`. Resolved from this
 * file, so the paths hold when the package is installed under someone else's `node_modules`.
 */
export const LAMBDA_ENTRIES: Readonly<Record<LambdaRole, string>> = {
  producer: fileURLToPath(new URL('../lambdas/producer.ts', import.meta.url)),
  relay: fileURLToPath(new URL('../lambdas/relay.ts', import.meta.url)),
  consumer: fileURLToPath(new URL('../lambdas/consumer.ts', import.meta.url)),
  sweeper: fileURLToPath(new URL('../lambdas/sweeper.ts', import.meta.url)),
};

/** The Lambda runtime: the newest Node.js LTS that Lambda and aws-cdk-lib both offer. */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;

/** Graviton: about 20% cheaper per GB-second than x86 at equal or better speed for this I/O-bound work. */
export const LAMBDA_ARCHITECTURE = Architecture.ARM_64;

/**
 * Lets bundled CommonJS dependencies call `require` for Node built-ins inside an ES module
 * bundle; without it esbuild's shim throws "Dynamic require of ... is not supported".
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __tidingsCreateRequire } from 'node:module'; const require = __tidingsCreateRequire(import.meta.url);";

/**
 * How every Tidings handler is bundled, in one place: the construct passes it to each
 * `NodejsFunction`, the code-split consumer is built from it plus `splitting`
 * ({@link codeSplitBuildOptions}), and the bundling test builds each handler with exactly these
 * options.
 *
 * The AWS SDK is bundled rather than taken from the runtime (`bundleAwsSDK`, no external
 * modules). The runtime's copy is whatever version Lambda last installed, so the code would
 * run against SDK versions it was never tested with; bundling pins the versions in the
 * lockfile, and esbuild keeps only the clients and commands the handler imports, which loads
 * faster at cold start than resolving the runtime's full SDK packages from disk.
 */
export const TIDINGS_BUNDLING: BundlingOptions = {
  // Local esbuild only: synth must work offline and on machines without Docker.
  forceDockerBundling: false,
  format: OutputFormat.ESM,
  // ES module builds of dependencies first: they tree-shake, CommonJS builds do not.
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  target: 'node24',
  minify: true,
  sourceMap: true,
  // A separate index.mjs.map next to the bundle, linked by a comment.
  sourceMapMode: SourceMapMode.DEFAULT,
  // The map only needs positions; the sources are in the repository.
  sourcesContent: false,
  bundleAwsSDK: true,
  externalModules: [],
};

/**
 * Environment every handler gets: stack traces through the source maps, and keep-alive
 * connections for the SDK clients (the Node 24 default, stated so it cannot regress).
 */
export const LAMBDA_BASE_ENVIRONMENT: Readonly<Record<string, string>> = {
  NODE_OPTIONS: '--enable-source-maps',
  AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
};

/** The code-related props of a single-file Tidings function: what to bundle, how, and where it runs. */
export type LambdaCodeProps = Required<
  Pick<NodejsFunctionProps, 'entry' | 'handler' | 'runtime' | 'architecture' | 'bundling'>
>;

/**
 * Entry, handler, runtime, architecture and bundling of one handler: the construct spreads
 * this into each `NodejsFunction`, and the bundling test builds each handler from it, so
 * what is tested is what is deployed.
 */
export function lambdaCodeProps(role: SingleFileRole): LambdaCodeProps {
  return {
    entry: LAMBDA_ENTRIES[role],
    handler: 'handler',
    runtime: LAMBDA_RUNTIME,
    architecture: LAMBDA_ARCHITECTURE,
    bundling: TIDINGS_BUNDLING,
  };
}

/**
 * The esbuild options of a code-split function: {@link TIDINGS_BUNDLING} as `NodejsFunction`
 * would pass it (ESM, minified, linked source maps, target node24, `module` first, the
 * `require` banner, the SDK bundled), plus `splitting` into `outdir`. The entry keeps the name
 * `NodejsFunction` gives it, `index.mjs`; chunks go to `chunks/`, `.mjs` too, so Node loads them
 * as ES modules without a `package.json`.
 */
export function codeSplitBuildOptions(entry: string, outdir: string): BuildOptions {
  const { outfile: _singleFile, ...options } = esbuildOptionsFromCdk(TIDINGS_BUNDLING, {
    entry,
    outdir,
  });
  return {
    ...options,
    outdir,
    splitting: true,
    entryNames: 'index',
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
  };
}

/**
 * Builds a code-split function on the machine running synth, with the esbuild package the
 * project has installed (as `NodejsFunction` does). Declines, so the CDK falls back to the
 * image, only when esbuild cannot be loaded; a failing build throws.
 */
class CodeSplitLocalBundling implements ILocalBundling {
  /** Public, so the CDK's asset cache key (built from the bundling options) tells entries apart. */
  readonly entry: string;

  constructor(entry: string) {
    this.entry = entry;
  }

  tryBundle(outputDir: string): boolean {
    let esbuild: typeof import('esbuild');
    try {
      esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
    } catch {
      return false;
    }
    esbuild.buildSync(codeSplitBuildOptions(this.entry, outputDir));
    return true;
  }
}

/**
 * Stands in for a bundling image: a code-split function is built locally only, so reaching
 * Docker means esbuild could not be loaded, and this says so instead of pulling an image.
 * Exported for its test only.
 */
export class LocalBundlingOnly extends DockerImage {
  readonly #role: LambdaRole;

  constructor(role: LambdaRole) {
    super('tidings-local-esbuild-only');
    this.#role = role;
  }

  override run(): void {
    throw this.#error();
  }

  override cp(): string {
    throw this.#error();
  }

  #error(): TidingsBundlingError {
    return new TidingsBundlingError(
      this.#role,
      `the ${this.#role} function is code-split with esbuild on this machine and has no Docker bundling: install esbuild (npm install --save-dev esbuild) where synth runs`,
    );
  }
}

/** The code-related props of a code-split Tidings function, for `lambda.Function`. */
export type CodeSplitCodeProps = Required<
  Pick<FunctionProps, 'code' | 'handler' | 'runtime' | 'architecture'>
>;

/**
 * Code, handler, runtime and architecture of a code-split function: the asset is the output of
 * {@link codeSplitBuildOptions}, built locally at synth, hashed by its output (as
 * `NodejsFunction` hashes its bundle). The construct spreads this into a `lambda.Function`, and
 * the bundling test builds the asset from it, so what is tested is what is deployed.
 */
export function codeSplitCodeProps(role: CodeSplitRole): CodeSplitCodeProps {
  const entry = LAMBDA_ENTRIES[role];
  return {
    code: Code.fromAsset(dirname(entry), {
      assetHashType: AssetHashType.OUTPUT,
      bundling: { image: new LocalBundlingOnly(role), local: new CodeSplitLocalBundling(entry) },
    }),
    handler: 'index.handler',
    runtime: LAMBDA_RUNTIME,
    architecture: LAMBDA_ARCHITECTURE,
  };
}
