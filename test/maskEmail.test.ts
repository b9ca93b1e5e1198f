import { describe, expect, it } from 'vitest';
import { maskEmail, maskEmails } from '../lambdas/maskEmail.ts';

describe('maskEmail', () => {
  it('keeps the first character of the local part and the domain', () => {
    expect(maskEmail('ada@example.com')).toBe('a***@example.com');
  });

  it('gives a masked address back unchanged', () => {
    expect(maskEmail(maskEmail('ada@example.com'))).toBe('a***@example.com');
  });

  it('masks a value with no at sign whole', () => {
    expect(maskEmail('ada')).toBe('***');
  });
});

describe('maskEmails', () => {
  it.each([
    [
      'MessageRejected: identities failed the check in region EU-WEST-1: ada@example.com',
      'MessageRejected: identities failed the check in region EU-WEST-1: a***@example.com',
    ],
    ['a user with email "ADA@example.com" exists', 'a user with email "A***@example.com" exists'],
    ['Ada <ada@example.com>, (grace@example.org)', 'Ada <a***@example.com>, (g***@example.org)'],
    ['{"to":["ada@example.com","b@c.io"]}', '{"to":["a***@example.com","b***@c.io"]}'],
    ['item EMAIL#ada@example.com', 'item EMAIL#a***@example.com'],
    ['bounces+ada=example.com@mail.example.com', 'b***@mail.example.com'],
    ['invalid: ada@@example', 'invalid: a***@example'],
    ['fullwidth ada＠example.com', 'fullwidth a***@example.com'],
    ['https://user:secret@hooks.example.com/in', 'https://user:s***@hooks.example.com/in'],
    ['to:\nada@example.com', 'to:\na***@example.com'],
  ])('masks the addresses in %j', (text, masked) => {
    expect(maskEmails(text)).toBe(masked);
  });

  it.each([
    'webhook to "hooks.example.com" timed out after 10000 ms',
    'meet @ noon',
    'ledger complete of 0194a3f2-7c00-7a1b-8c2d-3e4f5a6b7c8d:0 failed',
  ])('leaves text without an address as it is: %j', (text) => {
    expect(maskEmails(text)).toBe(text);
  });
});
