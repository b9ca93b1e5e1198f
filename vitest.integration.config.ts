import { defineConfig } from 'vitest/config';

/**
 * The integration tests alone (`npx vitest run -c vitest.integration.config.ts`): files named
 * `*.integration.test.ts`, against DynamoDB Local and SES local started once by the global
 * setup. `vitest.config.ts` runs the same files as its `integration` project.
 */
export default defineConfig({
  // `import 'tidings'` resolves to the sources, as in vitest.config.ts.
  ssr: { resolve: { conditions: ['tidings-source'] } },
  test: {
    name: 'integration',
    include: ['test/**/*.integration.test.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    globalSetup: ['test/globalSetup.integration.ts'],
    testTimeout: 20_000,
    hookTimeout: 120_000,
  },
});
