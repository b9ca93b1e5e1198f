import { fileURLToPath } from 'node:url';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import {
  type BundlingOptions,
  type NodejsFunctionProps,
  OutputFormat,
  SourceMapMode,
} from 'aws-cdk-lib/aws-lambda-nodejs';

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
 * `NodejsFunction`, and the bundling test builds each handler with exactly these options.
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

/** The code-related props of a Tidings function: what to bundle, how, and where it runs. */
export type LambdaCodeProps = Required<
  Pick<NodejsFunctionProps, 'entry' | 'handler' | 'runtime' | 'architecture' | 'bundling'>
>;

/**
 * Entry, handler, runtime, architecture and bundling of one handler: the construct spreads
 * this into each `NodejsFunction`, and the bundling test builds each handler from it, so
 * what is tested is what is deployed.
 */
export function lambdaCodeProps(role: LambdaRole): LambdaCodeProps {
  return {
    entry: LAMBDA_ENTRIES[role],
    handler: 'handler',
    runtime: LAMBDA_RUNTIME,
    architecture: LAMBDA_ARCHITECTURE,
    bundling: TIDINGS_BUNDLING,
  };
}
