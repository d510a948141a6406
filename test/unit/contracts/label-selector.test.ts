import { describe, expect, it } from 'vitest';
import {
  isValidLabelKey,
  isValidLabelValue,
  matchesLabels,
  parseLabelSelector,
} from '../../../src/contracts/label-selector.js';
import type { LabelRequirement } from '../../../src/contracts/label-selector.js';
import { BerthError, codes } from '../../../src/errors.js';

/** The error `parseLabelSelector(text)` throws; fails the test when it does not throw. */
function parseError(text: string): BerthError {
  try {
    parseLabelSelector(text);
  } catch (error) {
    expect(error).toBeInstanceOf(BerthError);
    return error as BerthError;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

describe('parseLabelSelector', () => {
  it('parses every operator into a requirement', () => {
    expect(parseLabelSelector('a=1,b==2,c!=3,d in (x,y),e notin (z),f,!g')).toEqual([
      { key: 'a', operator: 'equals', values: ['1'] },
      { key: 'b', operator: 'equals', values: ['2'] },
      { key: 'c', operator: 'notEquals', values: ['3'] },
      { key: 'd', operator: 'in', values: ['x', 'y'] },
      { key: 'e', operator: 'notIn', values: ['z'] },
      { key: 'f', operator: 'exists', values: [] },
      { key: 'g', operator: 'doesNotExist', values: [] },
    ] satisfies LabelRequirement[]);
  });

  it('yields no requirements for an empty or blank selector', () => {
    expect(parseLabelSelector('')).toEqual([]);
    expect(parseLabelSelector('   \t ')).toEqual([]);
  });

  it('tolerates whitespace around every token', () => {
    expect(parseLabelSelector('  a = 1 ,  b != 2 , c  in  ( x , y ) , ! d , e ')).toEqual([
      { key: 'a', operator: 'equals', values: ['1'] },
      { key: 'b', operator: 'notEquals', values: ['2'] },
      { key: 'c', operator: 'in', values: ['x', 'y'] },
      { key: 'd', operator: 'doesNotExist', values: [] },
      { key: 'e', operator: 'exists', values: [] },
    ]);
  });

  it('needs no whitespace between a set operator and its parenthesis', () => {
    expect(parseLabelSelector('a in(x),b notin(y)')).toEqual([
      { key: 'a', operator: 'in', values: ['x'] },
      { key: 'b', operator: 'notIn', values: ['y'] },
    ]);
  });

  it('accepts keys with a DNS prefix', () => {
    expect(parseLabelSelector('app.kubernetes.io/name=web,!example.com/legacy')).toEqual([
      { key: 'app.kubernetes.io/name', operator: 'equals', values: ['web'] },
      { key: 'example.com/legacy', operator: 'doesNotExist', values: [] },
    ]);
  });

  it('reads a missing value after an equality operator as the empty value', () => {
    expect(parseLabelSelector('a=,b!=')).toEqual([
      { key: 'a', operator: 'equals', values: [''] },
      { key: 'b', operator: 'notEquals', values: [''] },
    ]);
  });

  it('reads empty set members as the empty value, as Kubernetes does', () => {
    expect(parseLabelSelector('a in ()')).toEqual([{ key: 'a', operator: 'in', values: [''] }]);
    expect(parseLabelSelector('a in (x,)')).toEqual([
      { key: 'a', operator: 'in', values: ['x', ''] },
    ]);
  });

  it('keeps set values distinct and in selector order', () => {
    expect(parseLabelSelector('a in (y,x,y)')).toEqual([
      { key: 'a', operator: 'in', values: ['y', 'x'] },
    ]);
  });

  it('accepts a key named like a set operator', () => {
    expect(parseLabelSelector('in=1,notin')).toEqual([
      { key: 'in', operator: 'equals', values: ['1'] },
      { key: 'notin', operator: 'exists', values: [] },
    ]);
  });

  it.each([
    ['a=1,', 4, 'a label key'],
    [',a', 0, 'a label key'],
    ['a=1,,b', 4, 'a label key'],
    ['a b', 2, "'=', '==', '!=', 'in', 'notin'"],
    ['a in x', 5, "'('"],
    ['a in (x', 7, "',' or ')'"],
    ['a in (x y)', 8, "',' or ')'"],
    ['a=1 b=2', 4, "',' or the end"],
    ['a=b=c', 3, "',' or the end"],
    ['a=(b)', 2, 'a label value'],
    ['!', 1, 'a label key'],
    ['!a=1', 2, "',' or the end"],
    ['a>1', 1, "'=', '==', '!=', 'in', 'notin'"],
    ['a ! = 1', 2, "'=', '==', '!=', 'in', 'notin'"],
  ])('refuses %j at position %i, saying what it expected', (text, position, expected) => {
    const error = parseError(text);
    expect(error.code).toBe(codes.INVALID_ARGUMENT);
    expect(error.data).toMatchObject({ field: 'labelSelector', selector: text, position });
    expect(error.message).toContain(JSON.stringify(text));
    expect(error.message).toContain(`position ${position}`);
    expect(error.message).toContain(expected);
  });

  it.each([
    ['-app=1', 'a key starting with a dash'],
    ['Example.com/app=1', 'an upper-case prefix'],
    ['a/b/c=1', 'two slashes'],
    ['/app=1', 'an empty prefix'],
    ['example.com/=1', 'an empty name after the prefix'],
    [`${'k'.repeat(64)}=1`, 'a name of 64 characters'],
    ['app=white space', 'a value with a space'],
    ['app=-web', 'a value starting with a dash'],
    [`app=${'v'.repeat(64)}`, 'a value of 64 characters'],
    ['app in (ok,bad!)', 'a set member with a special character'],
    ['app=é', 'a non-ASCII value'],
  ])('refuses %j (%s)', (text) => {
    expect(parseError(text).code).toBe(codes.INVALID_ARGUMENT);
  });

  it('refuses a selector that is not a string', () => {
    expect(() => parseLabelSelector(42 as unknown as string)).toThrow(
      expect.objectContaining({ code: codes.INVALID_ARGUMENT }),
    );
  });
});

describe('isValidLabelKey and isValidLabelValue', () => {
  it('accept Kubernetes qualified names and label values at their length limits', () => {
    expect(isValidLabelKey('a')).toBe(true);
    expect(isValidLabelKey('A_b.c-D')).toBe(true);
    expect(isValidLabelKey(`${'p'.repeat(253)}/${'n'.repeat(63)}`)).toBe(true);
    expect(isValidLabelKey(`${'p'.repeat(254)}/n`)).toBe(false);
    expect(isValidLabelKey('')).toBe(false);
    expect(isValidLabelKey('a_')).toBe(false);
    expect(isValidLabelValue('')).toBe(true);
    expect(isValidLabelValue('v'.repeat(63))).toBe(true);
    expect(isValidLabelValue('v_')).toBe(false);
  });
});

describe('matchesLabels', () => {
  const labels = { app: 'web', tier: 'frontend', empty: '' };
  const matches = (selector: string, on: Record<string, string> = labels): boolean =>
    matchesLabels(parseLabelSelector(selector), on);

  it('matches everything with an empty selector', () => {
    expect(matches('')).toBe(true);
    expect(matches('', {})).toBe(true);
  });

  it('matches equality on the exact value only', () => {
    expect(matches('app=web')).toBe(true);
    expect(matches('app==web')).toBe(true);
    expect(matches('app=Web')).toBe(false);
    expect(matches('missing=web')).toBe(false);
  });

  it('matches an empty value only where the label is present and empty', () => {
    expect(matches('empty=')).toBe(true);
    expect(matches('missing=')).toBe(false);
    expect(matches('empty in ()')).toBe(true);
  });

  it('matches != and notin when the key is absent', () => {
    expect(matches('app!=db')).toBe(true);
    expect(matches('app!=web')).toBe(false);
    expect(matches('missing!=web')).toBe(true);
    expect(matches('app notin (db,cache)')).toBe(true);
    expect(matches('app notin (db,web)')).toBe(false);
    expect(matches('missing notin (web)')).toBe(true);
  });

  it('matches in when the value is one of the set', () => {
    expect(matches('tier in (backend,frontend)')).toBe(true);
    expect(matches('tier in (backend)')).toBe(false);
    expect(matches('missing in (backend)')).toBe(false);
  });

  it('matches existence tests on the key alone', () => {
    expect(matches('empty')).toBe(true);
    expect(matches('missing')).toBe(false);
    expect(matches('!missing')).toBe(true);
    expect(matches('!empty')).toBe(false);
  });

  it('requires every requirement of a combined selector', () => {
    expect(matches('app=web,tier!=backend,!legacy')).toBe(true);
    expect(matches('app=web,tier!=frontend')).toBe(false);
  });

  it('ignores inherited properties such as constructor', () => {
    expect(matches('constructor', {})).toBe(false);
    expect(matches('!toString', {})).toBe(true);
    expect(matches('constructor=x', { constructor: 'x' })).toBe(true);
  });
});
