/**
 * `npx tsx scripts/pathFigures.ts [entry ...]`: how much code one email crosses in a Lambda.
 * For each entry (default `lambdas/consumer.ts`) it bundles what the entry imports at run time
 * with esbuild's metafile, keeps the files under `lambdas/`, and prints their count, their lines
 * and their longest functions, marking those over 60 lines (a function's lines include the
 * functions it contains).
 * Dynamic `import()`s are followed too: they are on the path of the email that needs them.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type Node, type SourceFile, SyntaxKind } from 'typescript/unstable/ast';
import { API } from 'typescript/unstable/sync';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Longer than this, a function on the data path should say why beside it. */
const LONG_FUNCTION_LINES = 60;

/** One function-like node: where it is and how many lines it spans. */
interface FunctionSpan {
  readonly file: string;
  readonly name: string;
  readonly line: number;
  readonly lines: number;
}

/** The `lambdas/` files an entry reaches at run time, relative to the repository root. */
async function reachableFiles(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    conditions: ['tidings-source'],
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs)
    .filter((file) => file.startsWith('lambdas/'))
    .sort();
}

const FUNCTION_KINDS: ReadonlySet<SyntaxKind> = new Set([
  SyntaxKind.FunctionDeclaration,
  SyntaxKind.FunctionExpression,
  SyntaxKind.ArrowFunction,
  SyntaxKind.MethodDeclaration,
  SyntaxKind.Constructor,
  SyntaxKind.GetAccessor,
  SyntaxKind.SetAccessor,
]);

function nameOf(node: Node, source: SourceFile): string {
  const named = (node as Node & { name?: Node }).name;
  if (named) return named.getText(source);
  if (node.kind === SyntaxKind.Constructor) return 'constructor';
  const parentName = (node.parent as Node & { name?: Node }).name;
  return parentName ? parentName.getText(source) : '(anonymous)';
}

/** Every function, method and arrow function of the files with its line span. */
function functionSpans(files: readonly string[]): FunctionSpan[] {
  // The files' own program, parsed by TypeScript: a tsconfig naming just them.
  const directory = mkdtempSync(join(tmpdir(), 'path-figures-'));
  const config = join(directory, 'tsconfig.json');
  writeFileSync(
    config,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      include: [],
      files: files.map((file) => join(ROOT, file)),
    }),
  );
  const api = new API({ cwd: ROOT });
  try {
    const program = api.updateSnapshot({ openProjects: [config] }).getProjects()[0]?.program;
    return files.flatMap((file) => {
      const source = program?.getSourceFile(join(ROOT, file));
      if (!source) throw new Error(`TypeScript did not parse ${file}`);
      const spans: FunctionSpan[] = [];
      const visit = (node: Node): void => {
        if (FUNCTION_KINDS.has(node.kind) && (node as Node & { body?: Node }).body) {
          const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
          const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
          spans.push({ file, name: nameOf(node, source), line: start + 1, lines: end - start + 1 });
        }
        node.forEachChild(visit);
      };
      source.forEachChild(visit);
      return spans;
    });
  } finally {
    api.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

function lineCount(file: string): number {
  return readFileSync(`${ROOT}/${file}`, 'utf8').split('\n').length - 1;
}

async function main(): Promise<void> {
  const entries = process.argv.slice(2);
  for (const entry of entries.length > 0 ? entries : ['lambdas/consumer.ts']) {
    const files = await reachableFiles(relative(ROOT, entry));
    const lines = files.reduce((sum, file) => sum + lineCount(file), 0);
    const spans = functionSpans(files).sort((a, b) => b.lines - a.lines);
    const long = spans.filter((span) => span.lines > LONG_FUNCTION_LINES).length;
    console.log(`${entry}: ${files.length} files, ${lines} lines under lambdas/`);
    for (const file of files) console.log(`  ${String(lineCount(file)).padStart(5)}  ${file}`);
    console.log(`longest functions (${long} over ${LONG_FUNCTION_LINES} lines, marked *):`);
    for (const span of spans.slice(0, Math.max(long, 8))) {
      const mark = span.lines > LONG_FUNCTION_LINES ? '*' : ' ';
      console.log(
        `  ${String(span.lines).padStart(5)}${mark} ${span.name} (${span.file}:${span.line})`,
      );
    }
  }
}

await main();
