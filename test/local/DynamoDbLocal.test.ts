import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JavaRequiredError, startDynamoDbLocal } from '../../lambdas/local/DynamoDbLocal.ts';
import { rejectionOf } from '../helpers/events.ts';

/** A fake `java` that prints `banner` to stderr, as `java -version` does, and exits `code`. */
function fakeJava(banner: string, code = 0): string {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-java-'));
  const path = join(dir, 'java');
  writeFileSync(path, `#!/bin/sh\necho '${banner}' >&2\nexit ${code}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('startDynamoDbLocal', () => {
  it('refuses to start without Java, saying Java 17+ is required and how to install it', async () => {
    const error = await rejectionOf(startDynamoDbLocal({ javaCommand: '/nonexistent/bin/java' }));

    expect(error).toBeInstanceOf(JavaRequiredError);
    expect(String((error as Error).message)).toMatch(/Java 17 or newer/);
    expect(String((error as Error).message)).toMatch(/apt-get install openjdk-17-jre-headless/);
    expect(error).toMatchObject({ permanent: true });
  });

  it('refuses Java older than 17, naming the version found', async () => {
    const java = fakeJava('openjdk version "11.0.22" 2024-01-16');

    const error = await rejectionOf(startDynamoDbLocal({ javaCommand: java }));

    expect(error).toBeInstanceOf(JavaRequiredError);
    expect((error as JavaRequiredError).detail).toContain('11.0.22');
  });

  it('reads Java 8 version strings ("1.8.0") as 8', async () => {
    const java = fakeJava('java version "1.8.0_392"');

    const error = await rejectionOf(startDynamoDbLocal({ javaCommand: java }));

    expect(error).toBeInstanceOf(JavaRequiredError);
  });

  it('refuses a java that fails to report its version', async () => {
    const java = fakeJava('Error: could not open jvm.cfg', 1);

    const error = await rejectionOf(startDynamoDbLocal({ javaCommand: java }));

    expect((error as JavaRequiredError).detail).toMatch(/exited 1.*jvm\.cfg/);
  });
});
