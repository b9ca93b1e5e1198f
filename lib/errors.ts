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
