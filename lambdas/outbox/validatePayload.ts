import type { StandardSchemaV1 } from '@standard-schema/spec';
import { AsyncSchemaError, PayloadValidationError } from './errors.ts';

/**
 * Validates `value` with any Standard Schema (zod, valibot, arktype...) and returns the
 * schema's output.
 *
 * @throws PayloadValidationError naming every failing field.
 * @throws AsyncSchemaError when the schema only validates asynchronously.
 */
export function validatePayload<S extends StandardSchemaV1>(
  schema: S,
  value: unknown,
  source: string,
  eventType?: string,
): StandardSchemaV1.InferOutput<S> {
  const result = schema['~standard'].validate(value);
  if (result instanceof Promise) throw new AsyncSchemaError(source);
  if (result.issues) {
    throw new PayloadValidationError(
      source,
      eventType,
      result.issues.map((issue) => ({
        path: formatPath(issue.path) || '(root)',
        message: issue.message,
      })),
    );
  }
  return result.value;
}

function formatPath(path: StandardSchemaV1.Issue['path']): string {
  return (path ?? [])
    .map((segment) => String(typeof segment === 'object' ? segment.key : segment))
    .join('.');
}
