import { describe, expect, it } from 'vitest';
import { coldStartEnvironment } from '../../bench/coldStartEnvironment.ts';
import { synthesizePipeline } from '../cdk/helpers.ts';

describe('coldStartEnvironment', () => {
  it('sets every variable the construct gives any of its functions', () => {
    // Arrange
    const { template } = synthesizePipeline();
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));

    // Act
    const env = coldStartEnvironment();

    // Assert
    const deployed = new Set(
      functions.flatMap((fn) => Object.keys(fn.Properties?.Environment?.Variables ?? {})),
    );
    expect(deployed.size).toBeGreaterThan(0);
    expect([...deployed].filter((name) => !(name in env))).toEqual([]);
  });
});
