import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { coldStartEnvironment } from '../../bench/coldStartEnvironment.ts';
import { createApp } from '../../examples/signup/app.ts';
import { NO_BUNDLING } from '../cdk/helpers.ts';

describe('coldStartEnvironment', () => {
  it('sets every variable the example stack gives any of its functions, the producer’s own included', () => {
    // Arrange: the stack whose functions the cold-start bench builds.
    const { stack } = createApp({ context: NO_BUNDLING });
    const template = Template.fromStack(stack);
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
