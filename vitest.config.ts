import { configDefaults, defineConfig } from 'vitest/config';

// Two projects: unit tests run without any service; integration tests share one DynamoDB
// Local and one SES local, started by the global setup and stopped after the run.
export default defineConfig({
  // `import 'tidings'` in a test means the sources (package.json's `tidings-source` condition),
  // not dist/, which only `npm run build` makes.
  ssr: { resolve: { conditions: ['tidings-source'] } },
  test: {
    setupFiles: ['test/helpers/setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          // The adoption fixture's own tests run inside the adoption test, against the package.
          exclude: [
            ...configDefaults.exclude,
            'test/**/*.integration.test.ts',
            'test/adoption/fixture/**',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.integration.test.ts'],
          globalSetup: ['test/globalSetup.integration.ts'],
        },
      },
    ],
  },
});
