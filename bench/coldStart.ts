import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type BuildOptions, build } from 'esbuild';
import { type BundleTarget, esbuildOptionsFromCdk } from './cdkEsbuildOptions.ts';
import { BenchMeasurementError } from './errors.ts';
import { median } from './statistics.ts';

/** One bundle to measure: a handler entry, built with CDK bundling options. */
export interface ColdStartSubject {
  /** Row label, e.g. `consumer` or `consumer (SDK external)`. */
  readonly name: string;
  readonly entry: string;
  readonly bundling: BundlingOptions;
  /** esbuild options the CDK cannot express in `BundlingOptions` (e.g. `treeShaking`). */
  readonly esbuildOverrides?: Partial<BuildOptions>;
  /**
   * An exported function the loader calls after the import: it builds the handler's
   * dependencies (its clients), as the first invocation does. None: all at import.
   */
  readonly construct?: string;
  /** Environment of the fresh process (handler configuration, `NODE_OPTIONS`). */
  readonly env: Readonly<Record<string, string>>;
}

/** What a subject costs at cold start. */
export interface ColdStartResult {
  readonly name: string;
  /** Bundle size (the entry file, not its source map or split chunks), KB of 1024 bytes. */
  readonly bundleKb: number;
  /** Median over the runs of import + construct, measured inside the fresh process. */
  readonly loadMs: number;
  readonly importMs: number;
  readonly constructMs: number;
  /** Median wall time of the whole process (Node start-up included). */
  readonly processMs: number;
  readonly runs: number;
  /** The largest contributors to the bundle, KB per package (`lambdas` for our own code). */
  readonly composition: readonly { readonly source: string; readonly kb: number }[];
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

const LOADER = `
import { pathToFileURL } from 'node:url';
const [file, construct] = process.argv.slice(2);
const t0 = performance.now();
const mod = await import(pathToFileURL(file).href);
const t1 = performance.now();
if (construct) {
  const fn = mod[construct] ?? mod.default?.[construct];
  if (typeof fn !== 'function') throw new TypeError('bundle exports no function ' + construct);
  await fn();
}
const t2 = performance.now();
process.stdout.write(JSON.stringify({ importMs: t1 - t0, constructMs: t2 - t1 }));
`;

/** Builds `subject` into `outdir` as the CDK would; returns the bundle's path and size. */
export async function bundleSubject(
  subject: ColdStartSubject,
  outdir: string,
): Promise<{
  file: string;
  bytes: number;
  composition: { source: string; kb: number }[];
  /** Bytes each input file (path relative to the working directory) contributes to the bundle. */
  inputs: Record<string, number>;
}> {
  const target: BundleTarget = { entry: subject.entry, outdir };
  const cdk = esbuildOptionsFromCdk(subject.bundling, target);
  // Code splitting (dynamic imports in chunks of their own) needs an output directory; the
  // entry chunk keeps the CDK's file name.
  const split = subject.esbuildOverrides?.splitting === true;
  const file = cdk.outfile as string;
  const options: BuildOptions = split
    ? {
        ...cdk,
        ...subject.esbuildOverrides,
        outfile: undefined,
        outdir,
        entryNames: 'index',
        outExtension: { '.js': '.mjs' },
      }
    : { ...cdk, ...subject.esbuildOverrides };
  // The metafile is written to the result only, never next to the bundle.
  const result = await build({ ...options, metafile: true });
  // Output paths in the metafile are relative to the working directory.
  const output = Object.entries(result.metafile.outputs).find(
    ([path]) => resolve(path) === resolve(file),
  );
  const inputs = output?.[1].inputs ?? {};
  return {
    file,
    bytes: statSync(file).size,
    composition: bundleComposition(inputs),
    inputs: Object.fromEntries(
      Object.entries(inputs).map(([path, input]) => [path, input.bytesInOutput]),
    ),
  };
}

/**
 * Bundles each subject and loads it `runs` times, each in a fresh Node process, recording the
 * time to import the bundle and construct its clients. Runs are interleaved across subjects
 * (A B C A B C ...) so a burst of load on a shared machine hits every subject alike.
 *
 * @throws BenchMeasurementError when a bundle fails to load, with the process's stderr.
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
    bundles.push({ subject, ...(await bundleSubject(subject, dir)) });
  }
  const samples = bundles.map(() => ({
    importMs: [] as number[],
    constructMs: [] as number[],
    processMs: [] as number[],
  }));
  for (let run = 0; run < options.runs; run++) {
    for (const [index, bundle] of bundles.entries()) {
      const started = performance.now();
      const child = spawnSync(
        process.execPath,
        [loader, bundle.file, ...(bundle.subject.construct ? [bundle.subject.construct] : [])],
        {
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '', ...bundle.subject.env },
          timeout: 30_000,
        },
      );
      const processMs = performance.now() - started;
      if (child.status !== 0) {
        throw new BenchMeasurementError(
          `cold start of ${bundle.subject.name} (${bundle.file}) exited ${child.status}: ${child.stderr.trim().slice(-800)}`,
        );
      }
      const measured = JSON.parse(child.stdout) as { importMs: number; constructMs: number };
      const sample = samples[index];
      sample?.importMs.push(measured.importMs);
      sample?.constructMs.push(measured.constructMs);
      sample?.processMs.push(processMs);
    }
  }
  return bundles.map((bundle, index) => {
    const sample = samples[index] as (typeof samples)[number];
    const load = sample.importMs.map((ms, i) => ms + (sample.constructMs[i] ?? 0));
    return {
      name: bundle.subject.name,
      bundleKb: round(bundle.bytes / 1024, 1),
      loadMs: round(median(load), 1),
      importMs: round(median(sample.importMs), 1),
      constructMs: round(median(sample.constructMs), 1),
      processMs: round(median(sample.processMs), 1),
      runs: options.runs,
      composition: bundle.composition,
    };
  });
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
