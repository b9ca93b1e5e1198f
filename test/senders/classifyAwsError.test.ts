import { describe, expect, it } from 'vitest';
import { type AwsErrorRules, COMMON_TRANSIENT } from '../../lambdas/senders/classifyAwsError.ts';
import { classifySesError, SES_ERROR_RULES } from '../../lambdas/senders/classifySesError.ts';
import { classifySnsError, SNS_ERROR_RULES } from '../../lambdas/senders/classifySnsError.ts';

// Every name of every list, through the classifier that uses it, in both spellings a service
// may send (`EndpointDisabled` and `EndpointDisabledException`). Each error is shaped so that
// without its list entry it would land on the other side: a permanent name carries nothing
// (which alone classifies as transient), a transient name is a 400 client fault (which alone
// classifies as permanent).
const CLASSIFIERS = [
  { service: 'SES', classify: classifySesError, rules: SES_ERROR_RULES, channel: 'email' },
  { service: 'SNS', classify: classifySnsError, rules: SNS_ERROR_RULES, channel: 'push' },
] as const;

/**
 * Each name as listed and with the `Exception` suffix AWS SDK v3 error classes carry; Node's
 * network error codes (`ECONNRESET`) only as they are.
 */
function spellings(names: AwsErrorRules['permanent']): string[] {
  return [...names].flatMap((name) =>
    /^E[A-Z_]+$/.test(name) ? [name] : [name, `${name}Exception`],
  );
}

function bareError(name: string): Error {
  return Object.assign(new Error(`${name} happened`), { name });
}

function clientFault(name: string, httpStatusCode = 400): Error {
  return Object.assign(bareError(name), { $fault: 'client', $metadata: { httpStatusCode } });
}

describe.each(CLASSIFIERS)('the $service classifier', ({ classify, rules, channel }) => {
  it.each(spellings(rules.permanent))('classifies its permanent %s as permanent', (name) => {
    // Act
    const classified = classify(bareError(name));

    // Assert
    expect(classified).toMatchObject({ channel, reason: name, permanent: true });
    expect(classified.message).toContain('failed (permanent)');
  });

  it.each(spellings(rules.transient))(
    'classifies its transient %s as transient, though a 400 client fault',
    (name) => {
      // Act
      const classified = classify(clientFault(name));

      // Assert
      expect(classified).toMatchObject({ channel, reason: name, permanent: false });
      expect(classified.message).toContain('failed (transient)');
    },
  );

  it.each(spellings(COMMON_TRANSIENT))(
    'classifies the common %s as transient, though a 400 client fault',
    (name) => {
      // Act
      const classified = classify(clientFault(name));

      // Assert
      expect(classified).toMatchObject({ channel, reason: name, permanent: false });
    },
  );

  it.each([...COMMON_TRANSIENT])(
    'classifies a plain Error carrying only the code %s as transient',
    (code) => {
      // Arrange: how the HTTP handler reports a network failure.
      const error = Object.assign(new Error('socket trouble'), { code });

      // Act
      const classified = classify(error);

      // Assert
      expect(classified).toMatchObject({ channel, reason: code, permanent: false });
    },
  );

  it.each([
    ['ExpiredTokenException', 400],
    ['ExpiredTokenException', 403],
    ['RequestTimeoutException', 408],
    ['RequestTimeoutException', 400],
    ['ThrottlingException', 400],
  ])('classifies %s from a %d client fault as transient', (name, status) => {
    // Act
    const classified = classify(clientFault(name, status));

    // Assert
    expect(classified).toMatchObject({ channel, reason: name, permanent: false });
  });

  it('classifies an unlisted 408 client fault as transient, as the SQS path does', () => {
    // Act
    const classified = classify(clientFault('SomeTimeout', 408));

    // Assert
    expect(classified).toMatchObject({ reason: 'SomeTimeout', permanent: false });
  });

  it('classifies an unlisted 400 client fault as permanent', () => {
    // Act: the shape the transient rows use, without a listed name or status.
    const classified = classify(clientFault('SomeValidation', 400));

    // Assert
    expect(classified).toMatchObject({ reason: 'SomeValidation', permanent: true });
  });
});
