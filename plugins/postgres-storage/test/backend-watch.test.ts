// Which failures mean "the database is away", and what a request is told then.
import { describe, expect, it } from 'vitest';
import { codes, isBerthError } from 'berth/sdk';
import { backendUnavailable, isUnreachable } from '../src/backend-watch.js';

const withCode = (code: string, message = 'x'): Error =>
  Object.assign(new Error(message), { code });

describe('isUnreachable', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.7:5432')],
    ['a reset connection', withCode('ECONNRESET')],
    ['an unknown host', withCode('ENOTFOUND')],
    ['a server shutting down (57P01)', withCode('57P01')],
    ['a connection exception (08006)', withCode('08006')],
    ['a connection ended under a query', new Error('Connection terminated unexpectedly')],
    ['a connect timeout', new Error('timeout exceeded when trying to connect')],
    ['every address refused', new AggregateError([withCode('ECONNREFUSED')])],
  ])('is true for %s', (_, error) => {
    expect(isUnreachable(error)).toBe(true);
  });

  it.each([
    ['a syntax error (42601)', withCode('42601')],
    ['a unique violation (23505)', withCode('23505')],
    ['a plain error', new Error('boom')],
    ['a string', 'ECONNREFUSED'],
    ['null', null],
  ])('is false for %s', (_, error) => {
    expect(isUnreachable(error)).toBe(false);
  });
});

describe('backendUnavailable', () => {
  it('says BERTH_ERR_BACKEND_UNAVAILABLE and never where the database is', () => {
    const error = backendUnavailable(
      withCode('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.7:5432'),
    );
    expect(isBerthError(error, codes.BACKEND_UNAVAILABLE)).toBe(true);
    const text = [error.message, (error.cause as Error).message].join(' ');
    expect(text).not.toContain('10.0.0.7');
    expect(text).not.toContain('5432');
    expect(text).toContain('ECONNREFUSED');
  });
});
