import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { describe, expect, it } from 'vitest';
import { esbuildOptionsFromCdk } from '../../lib/esbuild-options.ts';

const target = { entry: '/src/handler.ts', outdir: '/out' };

describe('esbuildOptionsFromCdk', () => {
  it('keeps the AWS SDK external by default, as NodejsFunction does on Node 18+ runtimes', () => {
    // Act
    const options = esbuildOptionsFromCdk({}, target);

    // Assert
    expect(options.external).toEqual(['@aws-sdk/*']);
    expect(options).toMatchObject({
      bundle: true,
      platform: 'node',
      target: 'node24',
      minify: false,
    });
    expect(options.outfile).toBe('/out/index.js');
  });

  it('bundles the SDK with bundleAwsSDK and writes index.mjs for ESM, with the banner and main fields', () => {
    // Act
    const options = esbuildOptionsFromCdk(
      {
        bundleAwsSDK: true,
        format: OutputFormat.ESM,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        banner: '/* banner */',
        mainFields: ['module', 'main'],
      },
      target,
    );

    // Assert
    expect(options).toMatchObject({
      external: [],
      format: 'esm',
      outfile: '/out/index.mjs',
      minify: true,
      sourcemap: true,
      sourcesContent: false,
      banner: { js: '/* banner */' },
      mainFields: ['module', 'main'],
    });
  });

  it('lets explicit externalModules win over bundleAwsSDK', () => {
    // Act
    const options = esbuildOptionsFromCdk({ bundleAwsSDK: true, externalModules: ['pg'] }, target);

    // Assert
    expect(options.external).toEqual(['pg']);
  });

  it('refuses options it cannot reproduce rather than building something else', () => {
    expect(() => esbuildOptionsFromCdk({ nodeModules: ['pg'] }, target)).toThrow(/nodeModules/);
  });
});
