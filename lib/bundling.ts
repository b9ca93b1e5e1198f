import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage, type ILocalBundling } from 'aws-cdk-lib';
import { Architecture, Code, type FunctionProps, Runtime } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
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
 * How each function is packaged; esbuild's JS API builds every one at synth
 * ({@link lambdaBuildOptions}). `single-file`: one `index.mjs`, as `NodejsFunction` would
 * write it. `code-split`: an `index.mjs` and chunks, with `splitting` (which `NodejsFunction`
 * cannot do: it always passes `--outfile`), so code reached only by `import()` (the
 * consumer's SES, SNS and Secrets Manager clients) is not loaded at cold start. The consumer
 * is split because its cold start has a budget the single file misses (docs/benchmarks.md,
 * section 3); the others send on every invocation, so they keep one file.
 */
export const LAMBDA_PACKAGING = {
  producer: 'single-file',
  relay: 'single-file',
  consumer: 'code-split',
  sweeper: 'single-file',
} as const satisfies Record<LambdaRole, 'single-file' | 'code-split'>;

/**
 * The module a team describes its notifications in, as the construct takes it: a file whose
 * named export (`notifications` unless `exportName` says otherwise) is the value
 * `defineNotifications` returned. Like `NodejsFunction`'s `entry`, a relative path is taken
 * from the directory `cdk synth` runs in.
 */
export interface NotificationsModule {
  /** Path of the module (`.ts`, `.mts`, `.js` or `.mjs`). */
  readonly entry: string;
  /** @default 'notifications' */
  readonly exportName?: string;
}

/** A handler of the team's own (the producer): a file exporting the Lambda handler. */
export interface HandlerModule {
  /** Path of the handler's file, taken from the directory `cdk synth` runs in when relative. */
  readonly entry: string;
  /** @default 'handler' */
  readonly handler?: string;
}

/** The roles whose handler is Tidings' own, built around the team's notifications module. */
export type KitRole = Exclude<LambdaRole, 'producer'>;

/**
 * Each kit role's Lambda entry point: the kit module and its factory, which takes the
 * notifications and returns the handler. Resolved from this file with its own extension, so
 * the paths hold in the repository (`.ts` sources) and in the built package (`dist/`, `.js`).
 */
export const KIT_ENTRY_POINTS: Readonly<Record<KitRole, { module: string; factory: string }>> = {
  relay: { module: kitModule('relay'), factory: 'relayLambdaHandler' },
  consumer: { module: kitModule('consumer'), factory: 'consumerLambdaHandler' },
  sweeper: { module: kitModule('sweeper'), factory: 'sweeperLambdaHandler' },
};

function kitModule(name: string): string {
  const here = fileURLToPath(import.meta.url);
  return fileURLToPath(new URL(`../lambdas/${name}${extname(here)}`, import.meta.url));
}

const ENTRY_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * The absolute path of a team's module, checked at synth: it exists and is a TypeScript or
 * JavaScript ES module, and the export name is an identifier.
 * @throws TidingsBundlingError naming the role and what is wrong.
 */
export function resolveModuleEntry(role: LambdaRole, entry: string, exportName: string): string {
  const path = resolve(entry);
  // The prop the entry came from: the producer's own handler, or the notifications module.
  const prop = role === 'producer' ? 'producer.entry' : 'notifications.entry';
  if (!ENTRY_EXTENSIONS.includes(extname(path))) {
    throw new TidingsBundlingError(
      role,
      `${prop} (built into the ${role}) must be a ${ENTRY_EXTENSIONS.join(', ')} file: ${JSON.stringify(entry)}`,
    );
  }
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new TidingsBundlingError(
      role,
      `${prop} (built into the ${role}) does not exist: ${JSON.stringify(entry)} (resolved to ${path} from ${process.cwd()})`,
    );
  }
  if (!IDENTIFIER.test(exportName)) {
    throw new TidingsBundlingError(
      role,
      `the export name of ${prop} must be an identifier: ${JSON.stringify(exportName)}`,
    );
  }
  return path;
}

/**
 * The source of a kit role's entry point for a notifications module: it imports the team's
 * notifications and hands them to the kit's factory. esbuild bundles it from memory
 * (`stdin`), resolving the team's module from its own directory, so the team's
 * dependencies come from the team's `node_modules`.
 */
export function kitEntrySource(role: KitRole, notifications: NotificationsModule): string {
  const exportName = notifications.exportName ?? 'notifications';
  const entry = resolveModuleEntry(role, notifications.entry, exportName);
  const kit = KIT_ENTRY_POINTS[role];
  return [
    `import { ${exportName} as notifications } from ${JSON.stringify(entry)};`,
    `import { ${kit.factory} } from ${JSON.stringify(kit.module)};`,
    `export const handler = ${kit.factory}(notifications);`,
    '',
  ].join('\n');
}

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
 * How every Tidings handler is bundled, in one place, written as `NodejsFunction` bundling
 * options and translated to esbuild's by {@link lambdaBuildOptions}: the construct builds each
 * function with them (the consumer plus `splitting`), and the bundling test and the benchmarks
 * build with exactly these options.
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

/**
 * What one function is built from: a kit role (relay, consumer, sweeper) around the team's
 * notifications module, or the producer, a handler of the team's own.
 */
export type LambdaSource =
  | { readonly role: KitRole; readonly notifications: NotificationsModule }
  | { readonly role: 'producer'; readonly handler: HandlerModule };

/** The entry file of a source, resolved and checked. */
function entryOf(source: LambdaSource): string {
  return source.role === 'producer'
    ? resolveModuleEntry(source.role, source.handler.entry, source.handler.handler ?? 'handler')
    : resolveModuleEntry(
        source.role,
        source.notifications.entry,
        source.notifications.exportName ?? 'notifications',
      );
}

/**
 * {@link TIDINGS_BUNDLING} as `NodejsFunction` would pass it to esbuild (ESM, minified, linked
 * source maps, target node24, `module` first, the `require` banner, the SDK bundled), writing
 * `index.mjs` into `outdir`, the name `NodejsFunction` gives an ESM bundle.
 */
function baseBuildOptions(entry: string, outdir: string): BuildOptions {
  const { outfile: _singleFile, ...options } = esbuildOptionsFromCdk(TIDINGS_BUNDLING, {
    entry,
    outdir,
  });
  return { ...options, outdir, entryNames: 'index', outExtension: { '.js': '.mjs' } };
}

/**
 * Adds `splitting` to build options: chunks go to `chunks/`, `.mjs` too, so Node loads them as
 * ES modules without a `package.json`, and code reached only by `import()` is not loaded at
 * cold start.
 */
function withSplitting(options: BuildOptions): BuildOptions {
  return { ...options, splitting: true, chunkNames: 'chunks/[name]-[hash]' };
}

/**
 * The esbuild options of a code-split build of a handler file: {@link TIDINGS_BUNDLING} plus
 * `splitting`, as {@link lambdaBuildOptions} builds the consumer. The benchmarks build their
 * reference handlers with it.
 */
export function codeSplitBuildOptions(entry: string, outdir: string): BuildOptions {
  return withSplitting(baseBuildOptions(entry, outdir));
}

/**
 * The esbuild options of one Tidings function, in one place: the construct builds each
 * function's asset with them, and the bundling test and the benchmarks build with exactly
 * these, so what is tested is what is deployed. A kit role's entry is generated
 * ({@link kitEntrySource}) and read from memory, resolved from the team's module's directory;
 * the producer's entry is the team's file. Code-split roles ({@link LAMBDA_PACKAGING}) add
 * `splitting`.
 * @throws TidingsBundlingError when the team's module does not exist or is not a module file.
 */
export function lambdaBuildOptions(source: LambdaSource, outdir: string): BuildOptions {
  const entry = entryOf(source);
  const options =
    source.role === 'producer'
      ? baseBuildOptions(entry, outdir)
      : {
          ...baseBuildOptions(entry, outdir),
          entryPoints: undefined,
          stdin: {
            contents: kitEntrySource(source.role, source.notifications),
            resolveDir: dirname(entry),
            sourcefile: `tidings-${source.role}.mjs`,
            loader: 'js' as const,
          },
        };
  return LAMBDA_PACKAGING[source.role] === 'code-split' ? withSplitting(options) : options;
}

/**
 * Builds a Tidings function on the machine running synth, with the esbuild package installed
 * where synth runs (as `NodejsFunction` does). Declines, so the CDK falls back to the image,
 * only when esbuild cannot be loaded; a failing build throws.
 */
class LocalEsbuildBundling implements ILocalBundling {
  /** Public, so the CDK's asset cache key (built from the bundling options) tells sources apart. */
  readonly source: LambdaSource;

  constructor(source: LambdaSource) {
    this.source = source;
  }

  tryBundle(outputDir: string): boolean {
    let esbuild: typeof import('esbuild');
    try {
      esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
    } catch {
      return false;
    }
    esbuild.buildSync(lambdaBuildOptions(this.source, outputDir));
    return true;
  }
}

/**
 * Stands in for a bundling image: every Tidings function is built locally only, so reaching
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
      `the ${this.#role} function is built with esbuild on this machine and has no Docker bundling: install esbuild (npm install --save-dev esbuild) where synth runs`,
    );
  }
}

/** The code-related props of a Tidings function, for `lambda.Function`. */
export type LambdaCodeProps = Required<
  Pick<FunctionProps, 'code' | 'handler' | 'runtime' | 'architecture'>
>;

/**
 * Code, handler, runtime and architecture of one function: the asset is the output of
 * {@link lambdaBuildOptions}, built locally at synth and hashed by its output (as
 * `NodejsFunction` hashes its bundle). The construct spreads this into a `lambda.Function`, and
 * the bundling test builds the asset from it, so what is tested is what is deployed.
 * @throws TidingsBundlingError at once when the team's module does not exist or is not a
 *   module file.
 */
export function lambdaCode(source: LambdaSource): LambdaCodeProps {
  const entry = entryOf(source);
  return {
    // The asset's source directory is only named, never copied or hashed: the hash is the
    // output's, and esbuild reads the files it needs.
    code: Code.fromAsset(dirname(entry), {
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        image: new LocalBundlingOnly(source.role),
        local: new LocalEsbuildBundling(source),
      },
    }),
    handler: `index.${source.role === 'producer' ? (source.handler.handler ?? 'handler') : 'handler'}`,
    runtime: LAMBDA_RUNTIME,
    architecture: LAMBDA_ARCHITECTURE,
  };
}
