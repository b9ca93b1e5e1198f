import { describe, expect, it } from 'vitest';
import {
  type FilterPattern,
  matchesAnyFilter,
  matchesFilter,
  UnsupportedFilterPatternError,
} from '../../lambdas/local/matchesFilter.ts';
import { OUTBOX_STREAM_FILTER } from '../../lambdas/outbox/tableDefinition.ts';
import { makeEvent, thrownBy } from '../helpers/events.ts';
import { makeOutboxStreamRecord, makeStreamRecord } from '../helpers/streams.ts';

const outboxFilter = OUTBOX_STREAM_FILTER as unknown as FilterPattern;

describe('matchesFilter', () => {
  it('matches the INSERT of an outbox item with the outbox stream filter', () => {
    const record = makeOutboxStreamRecord(makeEvent());

    expect(matchesFilter(record, outboxFilter)).toBe(true);
  });

  it('rejects MODIFY and REMOVE of an outbox item', () => {
    const item = { pk: 'OUTBOX#1', sk: 'OUTBOX', kind: 'outbox' };
    const modify = makeStreamRecord({ eventName: 'MODIFY', newImage: item });
    const remove = makeStreamRecord({ eventName: 'REMOVE', oldImage: item });

    expect(matchesFilter(modify, outboxFilter)).toBe(false);
    expect(matchesFilter(remove, outboxFilter)).toBe(false);
  });

  it('rejects an INSERT of an item of another kind or without a kind', () => {
    const user = makeStreamRecord({ newImage: { pk: 'USER#1', sk: 'USER', kind: 'user' } });
    const bare = makeStreamRecord({ newImage: { pk: 'USER#1', sk: 'USER' } });

    expect(matchesFilter(user, outboxFilter)).toBe(false);
    expect(matchesFilter(bare, outboxFilter)).toBe(false);
  });

  it('does not coerce types: a number attribute does not match a string rule', () => {
    const record = makeStreamRecord({ newImage: { pk: 'a', sk: 'b', kind: 7 } });

    expect(matchesFilter(record, { dynamodb: { NewImage: { kind: { S: ['7'] } } } })).toBe(false);
    expect(matchesFilter(record, { dynamodb: { NewImage: { kind: { N: ['7'] } } } })).toBe(true);
  });

  it('matches an array value when any element matches', () => {
    expect(matchesFilter({ tags: ['a', 'b'] }, { tags: ['b'] })).toBe(true);
    expect(matchesFilter({ tags: ['a', 'c'] }, { tags: ['b'] })).toBe(false);
  });

  it('never matches an object value against a list', () => {
    expect(matchesFilter({ kind: { S: 'outbox' } }, { kind: ['outbox'] })).toBe(false);
  });

  it('supports prefix, exists and null', () => {
    expect(matchesFilter({ a: 'pending#3' }, { a: [{ prefix: 'pending#' }] })).toBe(true);
    expect(matchesFilter({ a: 'done' }, { a: [{ prefix: 'pending#' }] })).toBe(false);
    expect(matchesFilter({ a: 1 }, { a: [{ exists: true }] })).toBe(true);
    expect(matchesFilter({}, { a: [{ exists: true }] })).toBe(false);
    expect(matchesFilter({}, { a: { b: [{ exists: false }] } })).toBe(true);
    expect(matchesFilter({ a: { b: 1 } }, { a: { b: [{ exists: false }] } })).toBe(false);
    expect(matchesFilter({ a: null }, { a: [null] })).toBe(true);
  });

  it('ORs several patterns', () => {
    const patterns: FilterPattern[] = [{ a: ['x'] }, { b: ['y'] }];

    expect(matchesAnyFilter({ b: 'y' }, patterns)).toBe(true);
    expect(matchesAnyFilter({ a: 'y' }, patterns)).toBe(false);
  });

  it.each([
    ['anything-but', { a: [{ 'anything-but': ['x'] }] }, 'a'],
    ['numeric', { a: [{ numeric: ['>', 1] }] }, 'a'],
    ['$or', { $or: [{ a: ['x'] }] }, '$or'],
    ['a bare value', { a: 'x' }, 'a'],
    ['an empty list', { b: { c: [] } }, 'b.c'],
  ])(
    'refuses %s, naming where it is, even when an earlier field already failed',
    (_, pattern, path) => {
      const error = thrownBy(() =>
        matchesFilter({ z: 1 }, { z: [2], ...(pattern as unknown as FilterPattern) }),
      );

      expect(error).toBeInstanceOf(UnsupportedFilterPatternError);
      expect(error).toMatchObject({ path, permanent: true });
    },
  );
});
