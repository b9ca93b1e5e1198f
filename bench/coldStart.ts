import { spawn } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { codeSplitBuildOptions } from '../lib/bundling.ts';
import { esbuildOptionsFromCdk } from '../lib/esbuild-options.ts';
import { startAwsStub } from './awsStub.ts';
import { BenchMeasurementError } from './errors.ts';
import { median } from './statistics.ts';

/**
 * How a subject is built: `NodejsFunction`'s `BundlingOptions` (one `index.mjs`), or
 * `code-split`, exactly as the construct builds a code-split function
 * (`codeSplitBuildOptions` in lib/bundling.ts: `TIDINGS_BUNDLING` plus `splitting`).
 */
export type SubjectBundling = BundlingOptions | 'code-split';

/** One bundle to measure: a handler entry, built as the CDK builds it. */
export interface ColdStartSubject {
  /** Row label, e.g. `consumer` or `consumer (SDK external)`. */
  readonly name: string;
  readonly entry: string;
  readonly bundling: SubjectBundling;
  /**
   * esbuild options laid over the build, for variants the bundling cannot express
   * (`treeShaking: false`, or a flag changed on the code-split build).
   */
  readonly esbuildOverrides?: Partial<BuildOptions>;
  /**
   * An exported function the loader calls after the import: it builds the handler's
   * dependencies (its clients), as the first invocation does. None: all at import.
   */
  readonly construct?: string;
  /** Environment of the fresh process (handler configuration, `NODE_OPTIONS`). */
  readonly env: Readonly<Record<string, string>>;
  /**
   * An event to call the bundle's `handler` with once, after the import (and `construct`),
   * timed as the first invocation. Its AWS calls go to a loopback stub answering as AWS does
   * on success (`AWS_ENDPOINT_URL`), so the time is the handler's own work, no network.
   */
  readonly invokeWith?: unknown;
}

/** What a subject costs at cold start. */
export interface ColdStartResult {
  readonly name: string;
  /**
   * What a cold start reads, KB of 1024 bytes: the entry file and the chunks it imports
   * statically (no source maps, no chunks reached only by `import()`). One file: its size.
   */
  readonly bundleKb: number;
  /** Median over the runs of import + construct, measured inside the fresh process. */
  readonly loadMs: number;
  readonly importMs: number;
  readonly constructMs: number;
  /** Median of the first handler call, when the subject has `invokeWith` (else 0). */
  readonly invokeMs: number;
  /** Median over the runs of import + construct + first invocation. */
  readonly totalMs: number;
  /**
   * Median CPU time (user + system, all threads) of import + construct + invoke: less
   * sensitive than the wall times to other work on a shared machine.
   */
  readonly cpuMs: number;
  /** Median wall time of the whole process (Node start-up included). */
  readonly processMs: number;
  readonly runs: number;
  /** The largest contributors to what a cold start reads, KB per package (`lambdas` for our own code). */
  readonly composition: readonly { readonly source: string; readonly kb: number }[];
  /**
   * Each run's figures, indexed by round, so two subjects can be compared pair by pair
   * (`medianOfRatios`): the runs of one round are back to back in the same stretch of time.
   */
  readonly samples: ColdStartSamples;
}

/** Per-run figures of one subject, index `i` being round `i` of `coldStartRunOrder`. */
export interface ColdStartSamples {
  /** Import + construct, ms. */
  readonly loadMs: readonly number[];
  /** Import + construct + first invocation, ms. */
  readonly totalMs: readonly number[];
  /** CPU time of import + construct + first invocation, ms. */
  readonly cpuMs: readonly number[];
}

/**
 * The order the runs go in: `runs` rounds, each running every subject once, forward in even
 * rounds and backward in odd ones (0 1 2, 2 1 0, 0 1 2 ...). Within a round, neighbours run
 * seconds apart, so a burst of load on a shared machine hits both sides of a comparison; and
 * over two rounds each subject runs as often before a given other subject as after it, so
 * the process that ran just before (its page-cache and CPU-frequency wake) favours neither.
 *
 * @example coldStartRunOrder(3, 2) // [[0, 1, 2], [2, 1, 0]]
 */
export function coldStartRunOrder(subjectCount: number, runs: number): number[][] {
  const forward = Array.from({ length: subjectCount }, (_, index) => index);
  return Array.from({ length: runs }, (_, round) =>
    round % 2 === 0 ? [...forward] : [...forward].reverse(),
  );
}

/** KB of bundle output per package, largest first, from an esbuild metafile's inputs. */
export function bundleComposition(
  inputs: Readonly<Record<string, { readonly bytesInOutput: number }>>,
  top = 8,
): { source: string; kb: number }[] {
  const bytes = new Map<string, number>();
  for (const [path, input] of Object.entries(inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const source = match?.[1] ?? path.split('/').find((part) => part && part !== '..') ?? path;
    bytes.set(source, (bytes.get(source) ?? 0) + input.bytesInOutput);
  }
  return [...bytes.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([source, size]) => ({ source, kb: round(size / 1024, 1) }));
}

/** Marks the loader's result line: handlers may print logs and metrics to stdout too. */
const RESULT_MARK = '@@cold-start ';

const LOADER = `
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const [file, construct, eventFile] = process.argv.slice(2);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const mod = await import(pathToFileURL(file).href);
const t1 = performance.now();
if (construct) {
  const fn = mod[construct] ?? mod.default?.[construct];
  if (typeof fn !== 'function') throw new TypeError('bundle exports no function ' + construct);
  await fn();
}
const t2 = performance.now();
let response;
if (eventFile) {
  const event = JSON.parse(readFileSync(eventFile, 'utf8'));
  const context = {
    functionName: 'bench', functionVersion: '$LATEST', memoryLimitInMB: '256',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench',
    awsRequestId: 'bench-request', logGroupName: '/aws/lambda/bench', logStreamName: 'bench',
    callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 30000,
    done() {}, fail() {}, succeed() {},
  };
  response = await mod.handler(event, context);
}
const t3 = performance.now();
const cpu = process.cpuUsage(cpu0);
process.stdout.write('\\n${RESULT_MARK}' + JSON.stringify({
  importMs: t1 - t0, constructMs: t2 - t1, invokeMs: t3 - t2,
  cpuMs: (cpu.user + cpu.system) / 1000, response,
}) + '\\n');
process.exit(0);
`;

/** Builds `subject` into `outdir` as the CDK would; returns the entry's path and what init reads. */
export async function bundleSubject(
  subject: ColdStartSubject,
  outdir: string,
): Promise<{
  file: string;
  /** Bytes of the entry and the chunks it imports statically: what a cold start reads. */
  bytes: number;
  composition: { source: string; kb: number }[];
  /**
   * Bytes each input file (path relative to the working directory) contributes to the whole
   * asset, chunks loaded on first use included.
   */
  inputs: Record<string, number>;
}> {
  const base =
    subject.bundling === 'code-split'
      ? codeSplitBuildOptions(subject.entry, outdir)
      : esbuildOptionsFromCdk(subject.bundling, { entry: subject.entry, outdir });
  // Both name the entry as NodejsFunction does: index.mjs (ESM) or index.js.
  const file = join(outdir, base.format === 'esm' ? 'index.mjs' : 'index.js');
  // The metafile is written to the result only, never next to the bundle.
  const result = await build({ ...base, ...subject.esbuildOverrides, metafile: true });
  // Output paths in the metafile are relative to the working directory.
  const outputs = result.metafile.outputs;
  const atInit = initOutputs(
    outputs,
    Object.keys(outputs).find((path) => resolve(path) === resolve(file)),
  );
  const sum = (paths: readonly string[]) => {
    const bytes: Record<string, { bytesInOutput: number }> = {};
    for (const path of paths) {
      for (const [input, { bytesInOutput }] of Object.entries(outputs[path]?.inputs ?? {})) {
        bytes[input] = { bytesInOutput: (bytes[input]?.bytesInOutput ?? 0) + bytesInOutput };
      }
    }
    return bytes;
  };
  const everything = sum(Object.keys(outputs).filter((path) => !path.endsWith('.map')));
  return {
    file,
    bytes: atInit.reduce((total, path) => total + statSync(path).size, 0),
    composition: bundleComposition(sum(atInit)),
    inputs: Object.fromEntries(
      Object.entries(everything).map(([path, input]) => [path, input.bytesInOutput]),
    ),
  };
}

/**
 * The outputs a cold start reads: the entry and, transitively, the chunks it imports
 * statically (`import-statement`); chunks reached only by `import()` load on first use.
 */
export function initOutputs(outputs: Metafile['outputs'], entry: string | undefined): string[] {
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path) || !outputs[path]) return;
    seen.add(path);
    for (const imported of outputs[path].imports) {
      if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
    }
  };
  if (entry) visit(entry);
  return [...seen];
}

/** What the loader reports from one fresh process. */
export interface LoaderMeasurement {
  readonly importMs: number;
  readonly constructMs: number;
  readonly invokeMs: number;
  readonly cpuMs: number;
  /** What the handler returned, when it was invoked. */
  readonly response?: unknown;
}

/**
 * The loader's measurement from a process's stdout, where the handler's own logs and metrics
 * may come before it.
 * @throws BenchMeasurementError when no result line is there.
 */
export function parseLoaderOutput(stdout: string): LoaderMeasurement {
  const line = stdout.split('\n').find((text) => text.startsWith(RESULT_MARK));
  if (!line) {
    throw new BenchMeasurementError(`no cold-start result in the output: ${stdout.slice(-400)}`);
  }
  return JSON.parse(line.slice(RESULT_MARK.length)) as LoaderMeasurement;
}

/** Runs `args` with Node in a fresh process without blocking this one (the stub answers here). */
function runNode(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/**
 * Bundles each subject and loads it `runs` times, each in a fresh Node process, recording the
 * time to import the bundle, construct its clients and, for subjects with `invokeWith`, handle
 * that first event. Runs are interleaved across subjects in `coldStartRunOrder` (A B C C B A
 * ...), so a burst of load on a shared machine hits every subject alike, and each result
 * keeps its per-round samples for paired comparisons.
 *
 * @throws BenchMeasurementError when a bundle fails to load, or a first invocation reports
 *   failed records, with the process's output.
 */
export async function measureColdStarts(
  subjects: readonly ColdStartSubject[],
  options: { readonly outdir: string; readonly runs: number },
): Promise<ColdStartResult[]> {
  mkdirSync(options.outdir, { recursive: true });
  const loader = join(options.outdir, 'loader.mjs');
  writeFileSync(loader, LOADER);
  const bundles = [];
  for (const [index, subject] of subjects.entries()) {
    const dir = join(options.outdir, `${index}-${subject.name.replace(/[^a-z0-9]+/gi, '-')}`);
    const eventFile = join(dir, 'event.json');
    const built = await bundleSubject(subject, dir);
    if (subject.invokeWith !== undefined)
      writeFileSync(eventFile, JSON.stringify(subject.invokeWith));
    bundles.push({ subject, ...built, eventFile });
  }
  const stub = subjects.some((subject) => subject.invokeWith !== undefined)
    ? await startAwsStub()
    : undefined;
  const samples = bundles.map(() => ({
    importMs: [] as number[],
    constructMs: [] as number[],
    invokeMs: [] as number[],
    cpuMs: [] as number[],
    processMs: [] as number[],
  }));
  try {
    for (const round of coldStartRunOrder(bundles.length, options.runs)) {
      for (const index of round) {
        const bundle = bundles[index] as (typeof bundles)[number];
        const { subject } = bundle;
        const invoke = subject.invokeWith !== undefined;
        const started = performance.now();
        const child = await runNode(
          [loader, bundle.file, subject.construct ?? '', ...(invoke ? [bundle.eventFile] : [])],
          {
            PATH: process.env.PATH ?? '',
            ...subject.env,
            ...(invoke && stub ? { AWS_ENDPOINT_URL: stub.url } : {}),
          },
          30_000,
        );
        const processMs = performance.now() - started;
        if (child.status !== 0) {
          throw new BenchMeasurementError(
            `cold start of ${subject.name} (${bundle.file}) exited ${child.status}: ${child.stderr.trim().slice(-800)}`,
          );
        }
        const measured = parseLoaderOutput(child.stdout);
        const failures = (measured.response as { batchItemFailures?: unknown[] } | undefined)
          ?.batchItemFailures;
        if (invoke && (failures === undefined || failures.length > 0)) {
          throw new BenchMeasurementError(
            `the first invocation of ${subject.name} did not handle its event: ${JSON.stringify(measured.response)}; ${child.stdout.slice(-800)}`,
          );
        }
        const sample = samples[index];
        sample?.importMs.push(measured.importMs);
        sample?.constructMs.push(measured.constructMs);
        sample?.invokeMs.push(measured.invokeMs);
        sample?.cpuMs.push(measured.cpuMs);
        sample?.processMs.push(processMs);
      }
    }
  } finally {
    await stub?.close();
  }
  return bundles.map((bundle, index) => {
    const sample = samples[index] as (typeof samples)[number];
    const load = sample.importMs.map((ms, i) => ms + (sample.constructMs[i] ?? 0));
    const total = load.map((ms, i) => ms + (sample.invokeMs[i] ?? 0));
    return {
      name: bundle.subject.name,
      bundleKb: round(bundle.bytes / 1024, 1),
      loadMs: round(median(load), 1),
      importMs: round(median(sample.importMs), 1),
      constructMs: round(median(sample.constructMs), 1),
      invokeMs: round(median(sample.invokeMs), 1),
      totalMs: round(median(total), 1),
      cpuMs: round(median(sample.cpuMs), 1),
      processMs: round(median(sample.processMs), 1),
      runs: options.runs,
      composition: bundle.composition,
      samples: { loadMs: load, totalMs: total, cpuMs: sample.cpuMs },
    };
  });
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
