import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';

/** One module importing another, both as paths relative to the tree's root (`a/b.ts`). */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
}

// `import ... from`, `import type ... from`, `export ... from` (braces may span lines; the
// pattern stops at a quote or semicolon, so it never reaches into a later statement), side-effect
// imports and `import()`.
const IMPORT_PATTERNS = [
  /^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/gm,
  /^\s*import\s*['"]([^'"]+)['"]/gm,
  /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
];

/** Comments, so an import written in a JSDoc example is not taken for one. */
const COMMENTS = /\/\*[\s\S]*?\*\/|(^|\s)\/\/.*$/gm;

/** Every `.ts` file under `root`, keyed by its path relative to `root` (with `/`). */
export function readTree(root: string): Map<string, string> {
  const sources = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        sources.set(relative(root, path).split(sep).join('/'), readFileSync(path, 'utf8'));
      }
    }
  };
  walk(root);
  return sources;
}

/** The relative imports among `sources` (type-only ones included): who imports whom. */
export function importEdges(sources: ReadonlyMap<string, string>): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const [from, source] of sources) {
    const code = source.replace(COMMENTS, '$1');
    for (const pattern of IMPORT_PATTERNS) {
      for (const [, specifier] of code.matchAll(pattern)) {
        if (!specifier?.startsWith('.')) continue;
        const to = posix.normalize(posix.join(posix.dirname(from), specifier));
        if (sources.has(to)) edges.push({ from, to });
      }
    }
  }
  return edges;
}

/** A module's unit: its top folder (`ledger/`), or the file itself at the root (`ports.ts`). */
export function unitOf(path: string): string {
  const slash = path.indexOf('/');
  return slash === -1 ? path : path.slice(0, slash + 1);
}

/**
 * The cycles among units (top folders, and root files on their own): one line per strongly
 * connected group, naming a cycle through it and the import behind each step, e.g.
 * `ledger/ -> notifications/ -> ledger/ (ledger/types.ts imports notifications/types.ts;
 * notifications/x.ts imports ledger/types.ts)`. Empty when the units form a DAG.
 */
export function unitCycles(edges: readonly ImportEdge[]): string[] {
  const next = new Map<string, Map<string, ImportEdge>>();
  for (const edge of edges) {
    const [a, b] = [unitOf(edge.from), unitOf(edge.to)];
    if (a === b) continue;
    const out = next.get(a) ?? new Map<string, ImportEdge>();
    if (!out.has(b)) out.set(b, edge);
    next.set(a, out);
  }
  return stronglyConnected(next)
    .filter((group) => group.length > 1)
    .map((group) => describeCycle(shortestCycle(group, next), next))
    .sort();
}

/** Tarjan's strongly connected components of the unit graph. */
function stronglyConnected(next: ReadonlyMap<string, ReadonlyMap<string, unknown>>): string[][] {
  const nodes = new Set([...next.keys(), ...[...next.values()].flatMap((out) => [...out.keys()])]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node) ?? 0);
    stack.push(node);
    onStack.add(node);
    for (const to of next.get(node)?.keys() ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(to) ?? 0));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(to) ?? 0));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop();
      if (member === undefined) break;
      onStack.delete(member);
      group.push(member);
    } while (member !== node);
    groups.push(group);
  };
  for (const node of [...nodes].sort()) if (!index.has(node)) visit(node);
  return groups;
}

/** The shortest cycle through the group's first unit (by name), staying inside the group. */
function shortestCycle(
  group: readonly string[],
  next: ReadonlyMap<string, ReadonlyMap<string, unknown>>,
): string[] {
  const members = new Set(group);
  const start = [...group].sort()[0] as string;
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift() as string;
    for (const to of [...(next.get(node)?.keys() ?? [])].sort()) {
      if (!members.has(to)) continue;
      if (to === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0] as string) as string);
        return [...path, start];
      }
      if (!cameFrom.has(to)) {
        cameFrom.set(to, node);
        queue.push(to);
      }
    }
  }
  return [start, start];
}

function describeCycle(
  cycle: readonly string[],
  next: ReadonlyMap<string, ReadonlyMap<string, ImportEdge>>,
): string {
  const steps = cycle.slice(1).map((to, i) => {
    const edge = next.get(cycle[i] as string)?.get(to);
    return `${edge?.from} imports ${edge?.to}`;
  });
  return `${cycle.join(' -> ')} (${steps.join('; ')})`;
}
