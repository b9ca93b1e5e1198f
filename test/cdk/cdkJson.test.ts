import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);

/** The feature flags aws-cdk-lib recommends for a new app, as `cdk init` writes them. */
const recommended: Record<string, unknown> = require('aws-cdk-lib/recommended-feature-flags.json');

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

/** Feature flags are the context keys named `@scope/module:flag`; the rest are settings. */
const isFeatureFlag = (key: string) => key.startsWith('@');

describe('cdk.json', () => {
  it('sets exactly the feature flags the installed aws-cdk-lib recommends, with its values', () => {
    // Arrange
    const flags = Object.fromEntries(
      Object.entries(cdkJson.context).filter(([key]) => isFeatureFlag(key)),
    );

    // Act / Assert: a flag added, changed or dropped by an aws-cdk-lib upgrade fails here.
    expect(flags).toEqual(recommended);
  });

  it('turns CLI telemetry off in the project context', () => {
    expect(cdkJson.context['cli-telemetry']).toBe(false);
  });
});
