import { type SchemaIssue, TidingsError } from '../../lambdas/index.ts';
// Not part of the package's API: the example masks addresses in its logs as the kit does.
import { maskEmail } from '../../lambdas/maskEmail.ts';

/** Base class of errors from the example application's operations. */
export abstract class AppError extends TidingsError {}

/**
 * A registration request failed validation: nothing was written. `issues` names each bad
 * field (`email`, `name`, or `(root)` when the input is not an object). Permanent.
 */
export class InvalidRegistrationError extends AppError {
  readonly permanent = true;

  constructor(
    readonly issues: readonly SchemaIssue[],
    options?: { cause?: unknown },
  ) {
    super(
      `invalid registration: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
      options,
    );
  }
}

/**
 * The email is already registered: DynamoDB cancelled the transaction because the email's
 * uniqueness item exists. Nothing was written. Permanent. The message names the address
 * masked (`a***@example.com`), since it ends up in logs; `email` holds it whole.
 */
export class UserAlreadyExistsError extends AppError {
  readonly permanent = true;

  constructor(
    /** The normalised (trimmed, lower-cased) email. */
    readonly email: string,
    options?: { cause?: unknown },
  ) {
    super(`a user with email "${maskEmail(email)}" already exists`, options);
  }
}
