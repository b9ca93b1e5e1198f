import { LocalServiceError } from './errors.ts';

/**
 * One allowed value in a filter pattern's list: an exact string, number, boolean or null,
 * `{ exists: boolean }`, or `{ prefix: string }`.
 */
export type FilterValue =
  | string
  | number
  | boolean
  | null
  | { readonly exists: boolean }
  | { readonly prefix: string };

/**
 * A Lambda event filter pattern (the EventBridge pattern syntax), as in the event source
 * mapping's `FilterCriteria.Filters[].Pattern`, parsed from JSON.
 */
export interface FilterPattern {
  readonly [field: string]: FilterPattern | readonly FilterValue[];
}

/**
 * A filter pattern uses syntax `matchesFilter` does not implement (or that Lambda would
 * reject). Permanent: the pattern has to change. Refusing beats guessing, since a pattern
 * that silently matched differently here than on AWS would make local tests lie.
 */
export class UnsupportedFilterPatternError extends LocalServiceError {
  readonly permanent = true;
  constructor(
    /** Dotted path of the offending part of the pattern. */
    readonly path: string,
    readonly reason: string,
  ) {
    super(`filter pattern at "${path || '(root)'}": ${reason}`);
  }
}

/**
 * Whether an event (a DynamoDB stream record in Lambda's JSON shape) matches a Lambda filter
 * pattern, so the local stream poller filters exactly as the event source mapping will.
 *
 * The subset implemented, with EventBridge semantics:
 * - every field named in the pattern must match (AND); fields not named are ignored;
 * - a nested object in the pattern matches a nested object in the event, recursively; below
 *   a missing or non-object field every path is missing (so only `{ exists: false }` matches);
 * - a list matches a leaf value equal to any element (strings, numbers, booleans, `null`;
 *   no type coercion), a string starting with `{ prefix }`, a present leaf for
 *   `{ exists: true }` and a missing field for `{ exists: false }`; when the event value is
 *   an array, it matches if any element does; an object value never matches a list.
 *
 * Anything else (`anything-but`, `numeric`, `suffix`, `wildcard`, `equals-ignore-case`,
 * `$or`, bare values, empty lists) throws `UnsupportedFilterPatternError`.
 *
 * @example
 * matchesFilter(record, { eventName: ['INSERT'], dynamodb: { NewImage: { kind: { S: ['outbox'] } } } });
 */
export function matchesFilter(event: unknown, pattern: FilterPattern): boolean {
  return matchObject(event, pattern, '');
}

/** Whether the event matches any of the patterns, as Lambda ORs the filters of a mapping. */
export function matchesAnyFilter(event: unknown, patterns: readonly FilterPattern[]): boolean {
  return patterns.some((pattern) => matchesFilter(event, pattern));
}

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function matchObject(event: unknown, pattern: FilterPattern, path: string): boolean {
  if (!isPlainObject(pattern)) {
    throw new UnsupportedFilterPatternError(
      path,
      `expected an object, got ${JSON.stringify(pattern)}`,
    );
  }
  // Validate the whole pattern before answering, so a bad pattern fails on every event
  // rather than only on those that reach the bad part.
  let matched = true;
  for (const [field, rule] of Object.entries(pattern)) {
    const fieldPath = path ? `${path}.${field}` : field;
    if (field.startsWith('$')) {
      throw new UnsupportedFilterPatternError(fieldPath, `operator "${field}" is not supported`);
    }
    const value = isPlainObject(event) ? event[field] : undefined;
    const ok = Array.isArray(rule)
      ? matchList(value, rule as readonly FilterValue[], fieldPath)
      : isPlainObject(rule)
        ? matchObject(isPlainObject(value) ? value : undefined, rule as FilterPattern, fieldPath)
        : invalid(fieldPath, `expected a list or an object, got ${JSON.stringify(rule)}`);
    matched &&= ok;
  }
  return matched;
}

function matchList(value: unknown, rules: readonly FilterValue[], path: string): boolean {
  if (rules.length === 0) invalid(path, 'an empty list matches nothing and Lambda rejects it');
  const checked = rules.map((rule) => toMatcher(rule, path));
  if (value === undefined) return checked.some((m) => m.kind === 'absent');
  const leaves = Array.isArray(value) ? value : [value];
  return leaves.some(
    (leaf) => !isPlainObject(leaf) && !Array.isArray(leaf) && checked.some((m) => m.test(leaf)),
  );
}

type Matcher = { readonly kind: 'absent' | 'leaf'; test(leaf: unknown): boolean };

function toMatcher(rule: FilterValue, path: string): Matcher {
  if (rule === null || typeof rule !== 'object') {
    return { kind: 'leaf', test: (leaf) => leaf === rule };
  }
  const keys = Object.keys(rule);
  if (keys.length === 1 && 'exists' in rule && typeof rule.exists === 'boolean') {
    return rule.exists ? { kind: 'leaf', test: () => true } : { kind: 'absent', test: () => false };
  }
  if (keys.length === 1 && 'prefix' in rule && typeof rule.prefix === 'string') {
    const prefix = rule.prefix;
    return { kind: 'leaf', test: (leaf) => typeof leaf === 'string' && leaf.startsWith(prefix) };
  }
  return invalid(path, `unsupported matcher ${JSON.stringify(rule)}`);
}

function invalid(path: string, reason: string): never {
  throw new UnsupportedFilterPatternError(path, reason);
}
