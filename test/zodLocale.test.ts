import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { config } from 'zod/mini';
import { thrownBy } from './helpers/events.ts';

type LocaleError = ReturnType<typeof config>['localeError'];

/** A zod issue as the locale sees it: a uuid string that failed its format check. */
const BAD_UUID = {
  code: 'invalid_format',
  format: 'uuid',
  input: 'nope',
  path: [],
  message: '',
} as unknown as Parameters<NonNullable<LocaleError>>[0];

describe('zodLocale', () => {
  let saved: LocaleError;

  beforeEach(() => {
    saved = config().localeError;
    vi.resetModules();
  });

  afterEach(() => {
    config({ localeError: saved });
  });

  it('gives zod/mini, which loads no locale, English messages when none is set', async () => {
    // Arrange: a process where nothing has chosen a locale (no `import 'zod'` either)
    config({ localeError: undefined });

    // Act
    await import('../lambdas/zodLocale.ts');

    // Assert
    expect(config().localeError?.(BAD_UUID)).toBe('Invalid UUID');
  });

  it('keeps a locale the app set before the kit was loaded', async () => {
    // Arrange
    const appLocale: LocaleError = () => 'UUID invalide';
    config({ localeError: appLocale });

    // Act
    await import('../lambdas/zodLocale.ts');

    // Assert
    expect(config().localeError).toBe(appLocale);
  });

  it("names each bad field of an envelope in English, as zod's classic API did", async () => {
    // Arrange
    config({ localeError: undefined });
    const { parseCloudEvent } = await import('../lambdas/events/envelope.ts');
    const { InvalidEnvelopeError } = await import('../lambdas/events/errors.ts');
    const body = JSON.stringify({
      specversion: '1.0',
      id: 'nope',
      type: '',
      source: 's',
      time: 'x',
      data: {},
    });

    // Act
    const error = thrownBy(() => parseCloudEvent(body));

    // Assert
    expect(error).toBeInstanceOf(InvalidEnvelopeError);
    expect((error as InstanceType<typeof InvalidEnvelopeError>).reason).toBe(
      'id: Invalid UUID; type: Too small: expected string to have >=1 characters; time: Invalid ISO datetime',
    );
  });
});
