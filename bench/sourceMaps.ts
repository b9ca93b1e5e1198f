import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { bundleSubject, type ColdStartSubject, coldStartRunOrder } from './coldStart.ts';
import { BenchMeasurementError } from './errors.ts';
import { median } from './statistics.ts';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * How a function gets readable stack traces:
 * - `flag`: `NODE_OPTIONS=--enable-source-maps`, as deployed: Node reads each bundle's map
 *   when it loads the bundle, at every cold start.
 * - `none`: no source maps; frames name the minified bundle.
 * - `enable-on-first-error`: `process.setSourceMapsEnabled(true)` when the first error is
 *   formatted. Node parses only the maps of files loaded after that call, so the bundle,
 *   loaded before, keeps its minified frames.
 * - `map-on-first-error`: the maps are read when the first error is formatted and its frames
 *   rewritten with `node:module`'s `SourceMap` (`sourceMappedStack`).
 */
export type SourceMapMode = 'flag' | 'none' | 'enable-on-first-error' | 'map-on-first-error';

export const SOURCE_MAP_MODES: readonly SourceMapMode[] = [
  'flag',
  'none',
  'enable-on-first-error',
  'map-on-first-error',
];

/** One mode's figures, medians over fresh processes. */
export interface SourceMapModeResult {
  readonly mode: SourceMapMode;
  /** Import and client construction, ms. */
  readonly loadMs: number;
  /** Formatting the first error's stack, ms: where the lazy modes pay. */
  readonly firstStackMs: number;
  readonly rssAfterLoadMb: number;
  readonly rssAfterStackMb: number;
  /** The first lines of the formatted stack, from the last run. */
  readonly stack: readonly string[];
}

/** A bundle to probe, and how to make its own code throw. */
export interface SourceMapSubject extends ColdStartSubject {
  /** The exported `*DepsFromEnv`, called once to load and again to throw. */
  readonly construct: string;
  /** A variable the construct requires: unset, it throws from inside the bundle. */
  readonly requiredVariable: string;
}

const RESULT_MARK = '@@source-maps ';

/**
 * Builds `subject` as the construct does and runs the probe (`sourceMapProbe.ts`) over it in
 * `runs` fresh processes per mode, in rounds (forward, then backward), with `NODE_OPTIONS`
 * holding `--enable-source-maps` only in `flag` mode.
 *
 * @throws BenchMeasurementError when a probe fails or prints no result.
 */
export async function measureSourceMaps(
  subject: SourceMapSubject,
  options: { readonly outdir: string; readonly runs: number },
): Promise<SourceMapModeResult[]> {
  mkdirSync(options.outdir, { recursive: true });
  const bundle = await bundleSubject(subject, join(options.outdir, 'bundle'));
  const probe = join(options.outdir, 'probe.mjs');
  await build({
    entryPoints: [join(here, 'sourceMapProbe.ts')],
    outfile: probe,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  const samples = SOURCE_MAP_MODES.map(() => ({
    loadMs: [] as number[],
    firstStackMs: [] as number[],
    rssAfterLoadMb: [] as number[],
    rssAfterStackMb: [] as number[],
    stack: [] as string[],
  }));
  const withoutFlag = (subject.env.NODE_OPTIONS ?? '')
    .split(/\s+/)
    .filter((option) => option && option !== '--enable-source-maps');
  for (const round of coldStartRunOrder(SOURCE_MAP_MODES.length, options.runs)) {
    for (const index of round) {
      const mode = SOURCE_MAP_MODES[index] as SourceMapMode;
      const nodeOptions = mode === 'flag' ? [...withoutFlag, '--enable-source-maps'] : withoutFlag;
      const child = spawnSync(
        process.execPath,
        [probe, bundle.file, mode, subject.construct, subject.requiredVariable],
        {
          env: {
            PATH: process.env.PATH ?? '',
            ...subject.env,
            NODE_OPTIONS: nodeOptions.join(' '),
          },
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
      const line = child.stdout?.split('\n').find((text) => text.startsWith(RESULT_MARK));
      if (child.status !== 0 || !line) {
        throw new BenchMeasurementError(
          `source-map probe of ${subject.name} in mode ${mode} exited ${child.status}: ${(child.stderr ?? '').slice(-800)}`,
        );
      }
      const result = JSON.parse(line.slice(RESULT_MARK.length)) as Omit<
        SourceMapModeResult,
        'mode'
      >;
      const sample = samples[index];
      sample?.loadMs.push(result.loadMs);
      sample?.firstStackMs.push(result.firstStackMs);
      sample?.rssAfterLoadMb.push(result.rssAfterLoadMb);
      sample?.rssAfterStackMb.push(result.rssAfterStackMb);
      if (sample) sample.stack = [...result.stack];
    }
  }
  const one = (value: number) => Math.round(value * 10) / 10;
  return SOURCE_MAP_MODES.map((mode, index) => {
    const sample = samples[index] as (typeof samples)[number];
    return {
      mode,
      loadMs: one(median(sample.loadMs)),
      firstStackMs: one(median(sample.firstStackMs)),
      rssAfterLoadMb: one(median(sample.rssAfterLoadMb)),
      rssAfterStackMb: one(median(sample.rssAfterStackMb)),
      stack: sample.stack,
    };
  });
}
