import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import {
  type OutboxSpec,
  outboxTransactItem,
  type TransactItems,
  TransactionCanceledError,
  type TransactWriter,
  transactWriteWithOutbox,
  uuidv7,
} from '../../lambdas/index.ts';
import { InvalidRegistrationError, UserAlreadyExistsError } from './errors.ts';
import { USER_REGISTERED, type UserEvents, usersOutbox } from './notifications.ts';

/** What a signup sends: an email (trimmed and lower-cased before use) and an optional name. */
export const RegistrationInput = z.object({
  email: z.pipe(z.string().check(z.trim(), z.toLowerCase(), z.maxLength(254)), z.email()),
  name: z.optional(
    z.string().check(
      z.trim(),
      z.minLength(1),
      z.maxLength(200),
      // zod runs every check, so these two see a name of any length: past the maximum they
      // leave the refusal to maxLength rather than scan megabytes of it.
      z.refine(
        (name) => name.length > 200 || !UNSAFE_NAME_CHARACTER.test(name),
        'must not contain control, invisible formatting or unpaired surrogate characters',
      ),
      z.refine(
        (name) => name.length > 200 || !LINK_LIKE.test(name),
        'must not look like a link or a web address',
      ),
    ),
  ),
});

/**
 * Characters a display name has no use for and mail or a log can be tricked with: control
 * characters (line breaks, NUL), format characters (U+202E right-to-left override, zero-width
 * joiners and spaces, the byte order mark) and unpaired surrogates.
 */
const UNSAFE_NAME_CHARACTER = /[\p{Cc}\p{Cf}\p{Cs}]/u;

/** A scheme (`https:`, `mailto:`), `www.`, or a host name with a top-level domain (`evil.com`). */
const LINK_LIKE = /[a-z][a-z0-9+.-]*:\/?\/?\S|www\.|[a-z0-9-]+\.[a-z]{2,}(\b|\/)/i;

/** What a signup sends, before normalisation. */
export type RegistrationInput = z.input<typeof RegistrationInput>;

/** Options of `registerUser`. */
export interface RegisterUserOptions {
  /** `DynamoDbTransactWriter` on AWS, `MemoryOutboxStore` locally. */
  readonly writer: TransactWriter;
  /** The table of users and email claims: the application's own table. */
  readonly tableName: string;
  /**
   * The table the outbox item goes to: the construct's outbox table. The same
   * `TransactWriteItems` spans both tables, so the user and the event commit together.
   * @default tableName (one table for users and the outbox)
   */
  readonly outboxTableName?: string;
  /**
   * The outbox `user.registered` is staged in; its clock also dates the user.
   * @default usersOutbox
   */
  readonly outbox?: OutboxSpec<typeof UserEvents>;
  /** New user and event ids. @default UUID v7 */
  readonly newId?: () => string;
  /**
   * The caller's request id (an API Gateway request id, a Lambda request id): the event's
   * correlation id, and part of the transaction's client request token.
   */
  readonly requestId?: string;
}

/** A committed registration. */
export interface RegisteredUser {
  readonly userId: string;
  /** The id of the `user.registered` event in the outbox. */
  readonly eventId: string;
}

/** The key of a user's profile item. */
export function userKey(userId: string): { pk: string; sk: string } {
  return { pk: `USER#${userId}`, sk: 'PROFILE' };
}

/** The key of the item that claims an email for one user (emails are unique). */
export function emailKey(email: string): { pk: string; sk: string } {
  return { pk: `EMAIL#${email}`, sk: 'EMAIL' };
}

/** Where the email claim sits in the transaction, to read its cancellation reason. */
const EMAIL_CLAIM_INDEX = 1;

/**
 * Registers a user in one transaction: the user's profile, a claim on the email (written only
 * if no one holds it) and the `user.registered` outbox event. All three commit or none does,
 * so the welcome notification goes out exactly for users that exist.
 *
 * Written once against `TransactWriter`, it runs on DynamoDB and on `MemoryOutboxStore`.
 *
 * @throws InvalidRegistrationError naming the bad fields; nothing was written.
 * @throws UserAlreadyExistsError when the email is taken; nothing was written.
 * @throws TransactionCanceledError, or an `AwsError` from the writer, for anything else.
 *
 * @example
 * const { userId } = await registerUser({ email: 'ada@example.com' }, { writer, tableName });
 */
export async function registerUser(
  input: unknown,
  options: RegisterUserOptions,
): Promise<RegisteredUser> {
  const parsed = RegistrationInput.safeParse(input);
  if (!parsed.success) {
    throw new InvalidRegistrationError(
      parsed.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.') || '(root)',
        message: issue.message,
      })),
      { cause: parsed.error },
    );
  }
  const { email, name } = parsed.data;
  const newId = options.newId ?? (() => uuidv7());
  const userId = newId();
  const { tableName } = options;

  const outbox = outboxTransactItem({
    tableName: options.outboxTableName ?? tableName,
    outbox: options.outbox ?? usersOutbox,
    eventType: USER_REGISTERED,
    payload: { userId, email, ...(name ? { name } : {}) },
    stage: {
      eventId: newId(),
      orderingKey: userId,
      ...(options.requestId ? { correlationId: options.requestId } : {}),
    },
  });
  const createdAt = outbox.event.occurredAt;
  const items: TransactItems = [
    {
      Put: {
        TableName: tableName,
        Item: {
          ...userKey(userId),
          kind: 'user',
          userId,
          email,
          ...(name ? { name } : {}),
          createdAt,
        },
        // A fresh id never exists; the condition keeps a colliding id from overwriting a user.
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      Put: {
        TableName: tableName,
        Item: { ...emailKey(email), kind: 'userEmail', email, userId, createdAt },
        // Closes the race between two signups with one email: only one claim can commit.
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  ];

  try {
    await transactWriteWithOutbox(options.writer, items, outbox, {
      clientRequestToken: requestToken(email, userId, options.requestId),
    });
  } catch (error) {
    if (
      error instanceof TransactionCanceledError &&
      error.reasons[EMAIL_CLAIM_INDEX]?.code === 'ConditionalCheckFailed'
    ) {
      throw new UserAlreadyExistsError(email, { cause: error });
    }
    throw error;
  }
  return { userId, eventId: outbox.event.eventId };
}

/**
 * The transaction's client request token: a hash of the email, the new user id and the
 * caller's request id. Every SDK retry of this transaction carries it, so an attempt that
 * committed but lost its response is answered with success rather than applied again (or
 * refused as a taken email). A new call makes a new user id and so a new token; a repeated
 * signup is then refused by the email claim, not by the token.
 */
function requestToken(email: string, userId: string, requestId: string | undefined): string {
  return createHash('sha256')
    .update(['registerUser', email, userId, requestId ?? ''].join('\u0000'))
    .digest('hex')
    .slice(0, 32);
}
