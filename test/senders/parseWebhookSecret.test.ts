import { describe, expect, it } from 'vitest';
import { SenderConfigurationError } from '../../lambdas/senders/errors.ts';
import { parseWebhookSecret } from '../../lambdas/senders/parseWebhookSecret.ts';
import { thrownBy } from '../helpers/events.ts';

/** 48 alphanumerics: the shape of the key the CDK construct asks Secrets Manager for. */
const GENERATED = 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T0u1V2w3X4';
const NEW = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const OLD = `whsec_${Buffer.alloc(32, 2).toString('base64')}`;

describe('parseWebhookSecret', () => {
  it('reads a plain secret, as stored before rotation was supported, as one secret', () => {
    expect(parseWebhookSecret(`${NEW}\n`)).toEqual([NEW]);
  });

  it('prefixes the bare key Secrets Manager generates', () => {
    expect(parseWebhookSecret(GENERATED)).toEqual([`whsec_${GENERATED}`]);
  });

  it('reads the rotation form as the current secret, then the previous one', () => {
    expect(parseWebhookSecret(JSON.stringify({ current: NEW, previous: OLD }))).toEqual([NEW, OLD]);
  });

  it('prefixes bare keys in the rotation form too', () => {
    expect(parseWebhookSecret(JSON.stringify({ current: GENERATED, previous: OLD }))).toEqual([
      `whsec_${GENERATED}`,
      OLD,
    ]);
  });

  it.each([
    ['absent', { current: NEW }],
    ['empty', { current: NEW, previous: '' }],
    ['null', { current: NEW, previous: null }],
    ['the current one', { current: NEW, previous: NEW }],
  ])('reads one secret when previous is %s', (_, stored) => {
    expect(parseWebhookSecret(JSON.stringify(stored))).toEqual([NEW]);
  });

  it.each([
    ['an empty value', '  ', 'stored webhook secret is empty'],
    [
      'a value that starts with { but is not JSON',
      `{"current": "${NEW}"`,
      'stored webhook secret starts with "{" but is not JSON',
    ],
    ['an object without current', '{}', 'stored webhook secret has no "current" secret'],
    [
      'a misspelt previous',
      JSON.stringify({ current: NEW, prev: OLD }),
      'stored webhook secret has unknown keys "prev"',
    ],
    [
      'a previous that is not a string',
      JSON.stringify({ current: NEW, previous: 7 }),
      'stored webhook secret has a "previous" that is a number',
    ],
  ])('refuses %s permanently, without quoting the secret', (_, stored, message) => {
    // Act
    const error = thrownBy(() => parseWebhookSecret(stored));

    // Assert
    expect(error).toBeInstanceOf(SenderConfigurationError);
    expect((error as SenderConfigurationError).permanent).toBe(true);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain(NEW.slice('whsec_'.length));
    expect((error as Error).message).not.toContain(OLD.slice('whsec_'.length));
  });
});
