import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The part of Node's `SourceMap` the mapping needs: one lookup by generated position. */
export type SourceMapLookup = Pick<SourceMap, 'findEntry'>;

/** A frame of a V8 stack trace, as text: `at name (file:line:column)` or `at file:line:column`. */
const FRAME = /^(\s*at (?:async )?)(?:(.+?) \()?((?:file:\/\/)?\/[^()]+?):(\d+):(\d+)\)?$/;

/**
 * A V8 stack trace with every frame of a bundle that has a source map rewritten to the
 * original file, line and column, and the function named as in the source where the map says
 * (from the call site in the frame below, as Node's `--enable-source-maps` names it). Lines
 * of files without a map are kept as they are.
 *
 * This is what `--enable-source-maps` does to every stack, done only when a stack is
 * formatted: the maps are read then, not at each cold start. `mapFor` returns the map of a
 * generated file (by path), or `undefined` when there is none; it is called once per file.
 *
 * @example
 * const readable = sourceMappedStack(error.stack ?? '', sourceMapBeside);
 */
export function sourceMappedStack(
  stack: string,
  mapFor: (file: string) => SourceMapLookup | undefined,
): string {
  const maps = new Map<string, SourceMapLookup | undefined>();
  const lookup = (file: string) => {
    if (!maps.has(file)) maps.set(file, mapFor(file));
    return maps.get(file);
  };
  const lines = stack.split('\n');
  const frames = lines.map((line) => {
    const match = FRAME.exec(line);
    if (!match) return undefined;
    const [, prefix = '', name, location = '', line0 = '0', column0 = '0'] = match;
    const file = location.startsWith('file://') ? fileURLToPath(location) : location;
    return { prefix, name, file, line: Number(line0), column: Number(column0) };
  });
  return lines
    .map((line, index) => {
      const frame = frames[index];
      const map = frame ? lookup(frame.file) : undefined;
      if (!frame || !map) return line;
      const entry = map.findEntry(frame.line - 1, frame.column - 1);
      if (!('originalSource' in entry)) return line;
      // The name of the function this frame runs is at its call site, one frame down.
      const caller = frames[index + 1];
      const callSite =
        caller && caller.file === frame.file
          ? map.findEntry(caller.line - 1, caller.column - 1)
          : undefined;
      const original = callSite && 'name' in callSite && callSite.name ? callSite.name : frame.name;
      const source = originalPath(entry.originalSource, frame.file);
      const position = `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
      return original ? `${frame.prefix}${original} (${position})` : `${frame.prefix}${position}`;
    })
    .join('\n');
}

/** A map's source path, which is relative to the generated file's directory, made absolute. */
function originalPath(source: string, generatedFile: string): string {
  const url = new URL(source, pathToFileURL(generatedFile));
  return url.protocol === 'file:' ? fileURLToPath(url) : url.href;
}

/**
 * The source map esbuild writes beside a generated file (`<file>.map`), or `undefined` when
 * there is none or it cannot be read: that file's frames are then left as they are.
 */
export function sourceMapBeside(file: string): SourceMapLookup | undefined {
  let text: string;
  try {
    text = readFileSync(`${file}.map`, 'utf8');
  } catch {
    return undefined;
  }
  return new SourceMap(JSON.parse(text));
}
