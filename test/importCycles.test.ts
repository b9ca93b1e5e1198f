import { describe, expect, it } from 'vitest';
import { importEdges, readTree, unitCycles } from './helpers/importGraph.ts';

describe('the folders of lambdas/', () => {
  it('import one another without a cycle, type-only imports included', () => {
    // Arrange
    const edges = importEdges(readTree('lambdas'));

    // Act
    const cycles = unitCycles(edges);

    // Assert: each entry names a cycle and the imports that close it.
    expect(edges.length).toBeGreaterThan(100);
    expect(cycles).toEqual([]);
  });
});

describe('unitCycles', () => {
  it('finds a cycle made of type-only imports, and names the files behind each step', () => {
    // Arrange: the notifications <-> ledger cycle as it was, in a tree of its own.
    const sources = new Map([
      ['ports.ts', 'export interface Port {}\n'],
      [
        'notifications/processNotificationMessage.ts',
        "import type { ClaimAnswer } from '../ledger/types.ts';\nimport type { Port } from '../ports.ts';\n",
      ],
      ['notifications/types.ts', "import type { Port } from '../ports.ts';\n"],
      [
        'ledger/types.ts',
        "import type {\n  ClaimOutcome,\n  NotificationLedger,\n} from '../notifications/types.ts';\n",
      ],
    ]);

    // Act
    const cycles = unitCycles(importEdges(sources));

    // Assert
    expect(cycles).toEqual([
      'ledger/ -> notifications/ -> ledger/ (ledger/types.ts imports notifications/types.ts; notifications/processNotificationMessage.ts imports ledger/types.ts)',
    ]);
  });

  it('sees re-exports and dynamic imports, and ignores imports inside comments', () => {
    // Arrange
    const sources = new Map([
      ['a/index.ts', "export { b } from '../b/b.ts';\n"],
      ['b/b.ts', "export const b = () => import('../c/c.ts');\n"],
      [
        'c/c.ts',
        "/**\n * @example\n * import { a } from '../a/index.ts';\n */\nexport const c = 1;\n",
      ],
    ]);

    // Act
    const edges = importEdges(sources);

    // Assert
    expect(edges).toEqual([
      { from: 'a/index.ts', to: 'b/b.ts' },
      { from: 'b/b.ts', to: 'c/c.ts' },
    ]);
    expect(unitCycles(edges)).toEqual([]);
  });
});
