import { describe, expect, it } from 'vitest';
import { isUuid, TIDINGS_ID_NAMESPACE, uuidv5, uuidv7 } from '../../lambdas/events/ids.ts';
import { constantBytes, T0 } from '../helpers/events.ts';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const DNS_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

describe('uuidv7', () => {
  it('returns a version 7, RFC 9562 variant UUID', () => {
    // Act
    const id = uuidv7();

    // Assert
    expect(id).toMatch(V7);
  });

  it('puts the injected clock in the first 48 bits', () => {
    // Arrange
    const now = 0x0194_a3f2_7c00;

    // Act
    const id = uuidv7(() => now, constantBytes(0));

    // Assert
    expect(id.replaceAll('-', '').slice(0, 12)).toBe('0194a3f27c00');
  });

  it('sorts by the injected clock whatever the random bytes', () => {
    // Arrange
    const earlier = uuidv7(() => T0, constantBytes(0xff));
    const later = uuidv7(() => T0 + 1, constantBytes(0x00));

    // Act
    const sorted = [later, earlier].sort();

    // Assert
    expect(sorted).toEqual([earlier, later]);
  });

  it('uses the injected random bytes, keeping only the version and variant bits', () => {
    // Arrange
    const requested: number[] = [];
    const random = (size: number) => {
      requested.push(size);
      return new Uint8Array(size).fill(0xab);
    };

    // Act
    const id = uuidv7(() => T0, random);

    // Assert
    expect(requested).toEqual([10]);
    expect(id.slice(14)).toBe('7bab-abab-abababababab');
  });

  it('gives different ids for different random bytes at the same instant', () => {
    // Act
    const a = uuidv7(() => T0, constantBytes(1));
    const b = uuidv7(() => T0, constantBytes(2));

    // Assert
    expect(a).not.toBe(b);
  });
});

describe('uuidv5', () => {
  it('matches the RFC 9562 example for www.example.com in the DNS namespace', () => {
    // Act
    const id = uuidv5('www.example.com', DNS_NAMESPACE);

    // Assert
    expect(id).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('gives the same id for the same input', () => {
    // Act
    const first = uuidv5('notifications:msg-1');
    const second = uuidv5('notifications:msg-1');

    // Assert
    expect(first).toBe(second);
  });

  it('gives different ids for different inputs', () => {
    // Act
    const a = uuidv5('notifications:msg-1');
    const b = uuidv5('notifications:msg-2');

    // Assert
    expect(a).not.toBe(b);
  });

  it('sets version nibble 5 and the RFC variant', () => {
    // Act
    const id = uuidv5('anything');

    // Assert
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('depends on the namespace', () => {
    // Act
    const tidings = uuidv5('same-name', TIDINGS_ID_NAMESPACE);
    const dns = uuidv5('same-name', DNS_NAMESPACE);

    // Assert
    expect(tidings).not.toBe(dns);
  });

  it('refuses a namespace that is not a UUID, naming it', () => {
    // Act / Assert
    expect(() => uuidv5('x', 'not-a-namespace')).toThrow(/not-a-namespace/);
  });
});

describe('isUuid', () => {
  it.each([
    ['a lower-case v7', '0194a3f2-7c00-7a1b-8c2d-3e4f5a6b7c8d'],
    ['an upper-case v4', '3F2504E0-4F89-41D3-9A0C-0305E82C3301'],
    ['the nil UUID', '00000000-0000-0000-0000-000000000000'],
  ])('accepts %s', (_, value) => {
    expect(isUuid(value)).toBe(true);
  });

  it.each([
    ['an empty string', ''],
    ['a word', 'user-1'],
    ['a UUID without hyphens', '0194a3f27c007a1b8c2d3e4f5a6b7c8d'],
    ['a UUID in braces', '{0194a3f2-7c00-7a1b-8c2d-3e4f5a6b7c8d}'],
    ['a UUID with a trailing newline', '0194a3f2-7c00-7a1b-8c2d-3e4f5a6b7c8d\n'],
    ['a non-hex character', '0194a3f2-7c00-7a1b-8c2d-3e4f5a6b7c8g'],
    ['a number', 42],
    ['undefined', undefined],
  ])('rejects %s', (_, value) => {
    expect(isUuid(value)).toBe(false);
  });
});
