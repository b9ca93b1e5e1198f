import { describe, expect, it } from 'vitest';
import { isPermanentError } from '../../lambdas/errors.ts';
import {
  InvalidNotificationError,
  UnknownNotificationKindError,
} from '../../lambdas/notifications/errors.ts';
import { validateNotification } from '../../lambdas/notifications/validateNotification.ts';
import {
  emailNotification,
  pushNotification,
  thrownBy,
  webhookNotification,
} from '../helpers/events.ts';

function issuesOf(error: unknown): { path: string; message: string }[] {
  expect(error).toBeInstanceOf(InvalidNotificationError);
  return [...(error as InvalidNotificationError).issues];
}

describe('validateNotification', () => {
  describe('valid notifications', () => {
    it.each([
      ['an email to one address', emailNotification()],
      [
        'an email with several recipients, cc, reply-to and html',
        emailNotification({
          to: ['a@example.com', 'b@example.com'],
          cc: ['c@example.com'],
          replyTo: 'support@example.com',
          html: '<p>Hi</p>',
        }),
      ],
      ['a push', pushNotification({ data: { screen: 'home' } })],
      ['a webhook', webhookNotification({ headers: { 'x-tenant': 't-1' } })],
    ])('passes %s through unchanged', (_, notification) => {
      // Act
      const valid = validateNotification(notification);

      // Assert
      expect(valid).toEqual(notification);
    });
  });

  describe('email', () => {
    it.each([
      ['to', emailNotification({ to: 'not-an-email' }), 'not-an-email'],
      ['to.1', emailNotification({ to: ['a@example.com', 'nobody@'] }), 'nobody@'],
      ['cc.0', emailNotification({ cc: ['@example.com'] }), '@example.com'],
      ['replyTo', emailNotification({ replyTo: 'reply to me' }), 'reply to me'],
    ])(
      'refuses a malformed address in %s, naming the field and value',
      (path, notification, value) => {
        // Act
        const error = thrownBy(() => validateNotification(notification));

        // Assert
        const issues = issuesOf(error);
        expect(issues).toEqual([
          { path, message: `not a valid email address: ${JSON.stringify(value)}` },
        ]);
        expect((error as Error).message).toContain(`${path}: not a valid email address`);
        expect((error as Error).message).toContain(JSON.stringify(value));
      },
    );

    it('refuses an empty recipient list', () => {
      // Act
      const error = thrownBy(() => validateNotification(emailNotification({ to: [] })));

      // Assert
      expect(issuesOf(error).map((i) => i.path)).toContain('to');
    });

    it.each([
      ['subject', emailNotification({ subject: '' })],
      ['subject', emailNotification({ subject: '   ' })],
      ['body', emailNotification({ body: '' })],
    ])('refuses an empty %s', (path, notification) => {
      // Act
      const error = thrownBy(() => validateNotification(notification));

      // Assert
      expect(issuesOf(error)).toEqual([{ path, message: 'must not be empty' }]);
    });
  });

  describe('push', () => {
    it('refuses a missing device token, naming it', () => {
      // Act
      const error = thrownBy(() => validateNotification(pushNotification({ deviceToken: '' })));

      // Assert
      expect(issuesOf(error).map((i) => i.path)).toEqual(['deviceToken']);
    });
  });

  describe('webhook', () => {
    it('refuses an http URL', () => {
      // Arrange
      const url = 'http://hooks.example.com/x';

      // Act
      const error = thrownBy(() => validateNotification(webhookNotification({ url })));

      // Assert
      expect(issuesOf(error)).toEqual([
        { path: 'url', message: `webhook url must be https: ${JSON.stringify(url)}` },
      ]);
    });

    it('refuses a string that is not a URL', () => {
      // Act
      const error = thrownBy(() => validateNotification(webhookNotification({ url: 'hooks' })));

      // Assert
      expect(issuesOf(error)).toEqual([{ path: 'url', message: 'not a URL: "hooks"' }]);
    });

    it.each([
      'http://localhost:8080/hook',
      'http://127.0.0.1:9000/hook',
      'http://127.5.6.7/hook',
      'http://[::1]:3000/hook',
    ])('accepts http to loopback %s with allowLoopbackHttp', (url) => {
      // Act
      const valid = validateNotification(webhookNotification({ url }), {
        allowLoopbackHttp: true,
      });

      // Assert
      expect(valid).toMatchObject({ url });
    });

    it('refuses http to loopback without allowLoopbackHttp', () => {
      // Act
      const error = thrownBy(() =>
        validateNotification(webhookNotification({ url: 'http://127.0.0.1:9000/hook' })),
      );

      // Assert
      expect(issuesOf(error)[0]?.message).toMatch(/^webhook url must be https/);
    });

    it.each([
      'http://hooks.example.com/x',
      'http://localhost.example.com/x',
      'http://127.0.0.1.nip.io/x',
      'http://10.0.0.1/x',
    ])('refuses http to the non-loopback host of %s even with allowLoopbackHttp', (url) => {
      // Act
      const error = thrownBy(() =>
        validateNotification(webhookNotification({ url }), { allowLoopbackHttp: true }),
      );

      // Assert
      expect(issuesOf(error)[0]?.message).toBe(`webhook url must be https: ${JSON.stringify(url)}`);
    });

    it('refuses other schemes even to loopback', () => {
      // Act
      const error = thrownBy(() =>
        validateNotification(webhookNotification({ url: 'ftp://localhost/x' }), {
          allowLoopbackHttp: true,
        }),
      );

      // Assert
      expect(issuesOf(error)[0]?.path).toBe('url');
    });

    it('refuses a missing payload', () => {
      // Arrange
      const { payload: _payload, ...withoutPayload } = webhookNotification();

      // Act
      const error = thrownBy(() => validateNotification(withoutPayload));

      // Assert
      expect(issuesOf(error).map((i) => i.path)).toEqual(['payload']);
    });
  });

  it.each([
    ['an unknown kind', { kind: 'sms', to: '+100' }, 'sms'],
    ['no kind', { to: 'a@example.com' }, undefined],
    ['null', null, undefined],
  ])('throws UnknownNotificationKindError for %s', (_, notification, kind) => {
    // Act
    const error = thrownBy(() => validateNotification(notification));

    // Assert
    expect(error).toBeInstanceOf(UnknownNotificationKindError);
    expect((error as UnknownNotificationKindError).kind).toBe(kind);
  });

  it('reports every failing field at once', () => {
    // Act
    const error = thrownBy(() =>
      validateNotification(emailNotification({ to: 'x', subject: '', body: '' })),
    );

    // Assert
    expect(issuesOf(error).map((i) => i.path)).toEqual(['to', 'subject', 'body']);
  });

  it.each([
    ['an invalid notification', () => validateNotification(emailNotification({ to: 'x' }))],
    ['an unknown kind', () => validateNotification({ kind: 'fax' })],
  ])('throws permanent errors for %s', (_, act) => {
    // Act
    const error = thrownBy(act);

    // Assert
    expect(error).toBeInstanceOf(Error);
    expect(isPermanentError(error)).toBe(true);
  });
});

describe('validateNotification email recipients', () => {
  const addresses = (n: number, prefix: string) =>
    Array.from({ length: n }, (_, i) => `${prefix}${i}@example.com`);

  it.each([
    ['30 to and 30 cc', addresses(30, 'to'), addresses(30, 'cc'), 60],
    ['one to and 50 cc', 'ada@example.com', addresses(50, 'cc'), 51],
    ['50 to and one cc', addresses(50, 'to'), addresses(1, 'cc'), 51],
  ])('refuses %s: SES sends one message to at most 50 recipients', (_, to, cc, count) => {
    // Act
    const error = thrownBy(() => validateNotification(emailNotification({ to, cc })));

    // Assert
    expect(issuesOf(error)).toEqual([
      {
        path: '(root)',
        message: `to and cc name ${count} recipients together, over the 50 SES sends one message to`,
      },
    ]);
  });

  it.each([
    ['25 to and 25 cc', addresses(25, 'to'), addresses(25, 'cc')],
    ['one to and 49 cc', 'ada@example.com', addresses(49, 'cc')],
    ['50 to', addresses(50, 'to'), undefined],
  ])('accepts %s, 50 recipients at most', (_, to, cc) => {
    // Arrange
    const notification = emailNotification({ to, ...(cc ? { cc } : {}) });

    // Act
    const valid = validateNotification(notification);

    // Assert
    expect(valid).toBe(notification);
  });
});

describe('validateNotification push payload size', () => {
  it('refuses a 256-character title with a 4,096-character body, naming each payload size', () => {
    // Act
    const error = thrownBy(() =>
      validateNotification(pushNotification({ title: 'T'.repeat(256), body: 'b'.repeat(4096) })),
    );

    // Assert
    expect(issuesOf(error)).toEqual([
      {
        path: '(root)',
        message:
          'title, body and data make a 4392-byte APNs payload, over the 4096 bytes APNs accepts',
      },
      {
        path: '(root)',
        message:
          'title, body and data make a 4420-byte FCM payload, over the 4096 bytes FCM accepts',
      },
    ]);
  });

  it('accepts a push whose largest payload is exactly 4,096 bytes, and refuses one byte more', () => {
    // Arrange: the FCM form is the larger, 68 bytes of JSON around title and body.
    const fits = pushNotification({ title: 'T', body: 'b'.repeat(4027) });
    const over = pushNotification({ title: 'T', body: 'b'.repeat(4028) });

    // Act
    const valid = validateNotification(fits);
    const error = thrownBy(() => validateNotification(over));

    // Assert
    expect(valid).toBe(fits);
    expect(issuesOf(error)).toEqual([
      {
        path: '(root)',
        message:
          'title, body and data make a 4097-byte FCM payload, over the 4096 bytes FCM accepts',
      },
    ]);
  });

  it('counts bytes, not characters: 1,400 euro signs are 4,200 bytes', () => {
    // Act
    const error = thrownBy(() =>
      validateNotification(pushNotification({ title: 'Hi', body: '€'.repeat(1400) })),
    );

    // Assert
    expect(issuesOf(error).map((issue) => issue.message)).toEqual([
      'title, body and data make a 4242-byte APNs payload, over the 4096 bytes APNs accepts',
      'title, body and data make a 4270-byte FCM payload, over the 4096 bytes FCM accepts',
    ]);
  });

  it('counts data with title and body', () => {
    // Act
    const error = thrownBy(() =>
      validateNotification(pushNotification({ data: { blob: 'x'.repeat(4096) } })),
    );

    // Assert
    expect(issuesOf(error).map((issue) => issue.message)).toEqual([
      expect.stringMatching(/^title, body and data make a \d+-byte APNs payload, over the 4096/),
      expect.stringMatching(/^title, body and data make a \d+-byte FCM payload, over the 4096/),
    ]);
  });
});
