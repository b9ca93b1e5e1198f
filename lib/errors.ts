import { TidingsError } from '../lambdas/errors.ts';

/**
 * Construct props that cannot produce a working pipeline, found at synth time. Permanent:
 * the same props fail the same way until they are changed.
 */
export class TidingsConfigurationError extends TidingsError {
  readonly permanent = true;
  /** The prop that was wrong. */
  readonly prop: string;

  constructor(prop: string, message: string) {
    super(message);
    this.prop = prop;
  }
}

/**
 * A function's code could not be built at synth (the code-split consumer needs esbuild where
 * synth runs). Permanent: nothing changes until the machine does.
 */
export class TidingsBundlingError extends TidingsError {
  readonly permanent = true;
  /** The function whose code could not be built. */
  readonly role: string;

  constructor(role: string, message: string) {
    super(message);
    this.role = role;
  }
}
