import { describe, expect, it } from 'vitest';
import {
  MAX_KEY_FIELD_LENGTH,
  MAX_LIST_LIMIT,
  validateDeleteRequest,
  validateListQuery,
  validatePutRequest,
  validateResourceKey,
} from '../../../src/contracts/request-validation.js';
import { codes } from '../../../src/errors.js';

const key = { cluster: 'c', type: 'apps/v1/deployments', namespace: 'ns', name: 'web' };
const refusal = (field: string) =>
  expect.objectContaining({
    code: codes.INVALID_ARGUMENT,
    data: expect.objectContaining({ field }),
  });

describe('validateResourceKey', () => {
  it('returns only the four key fields', () => {
    expect(validateResourceKey({ ...key, extra: 1 })).toEqual(key);
  });

  it('allows an empty namespace', () => {
    expect(validateResourceKey({ ...key, namespace: '' })).toEqual({ ...key, namespace: '' });
  });

  it.each(['cluster', 'type', 'name'])('refuses an empty or missing %s, naming it', (field) => {
    expect(() => validateResourceKey({ ...key, [field]: '' })).toThrow(refusal(field));
    expect(() => validateResourceKey({ ...key, [field]: undefined })).toThrow(refusal(field));
    expect(() => validateResourceKey({ ...key, [field]: 7 })).toThrow(refusal(field));
  });

  it('refuses a missing namespace', () => {
    expect(() => validateResourceKey({ ...key, namespace: undefined })).toThrow(
      refusal('namespace'),
    );
  });

  it('refuses NUL, unpaired surrogates and overlong fields', () => {
    expect(() => validateResourceKey({ ...key, name: 'a\0b' })).toThrow(refusal('name'));
    expect(() => validateResourceKey({ ...key, name: 'a\ud800' })).toThrow(refusal('name'));
    expect(() => validateResourceKey({ ...key, name: '\udc00a' })).toThrow(refusal('name'));
    expect(() =>
      validateResourceKey({ ...key, name: 'n'.repeat(MAX_KEY_FIELD_LENGTH + 1) }),
    ).toThrow(refusal('name'));
    expect(
      validateResourceKey({ ...key, name: 'n'.repeat(MAX_KEY_FIELD_LENGTH) }).name,
    ).toHaveLength(MAX_KEY_FIELD_LENGTH);
  });

  it('accepts well-formed non-ASCII names', () => {
    expect(validateResourceKey({ ...key, name: 'café-😀-中' }).name).toBe('café-😀-中');
  });

  it('refuses anything but an object', () => {
    for (const value of [null, undefined, 'key', [key], new Map()]) {
      expect(() => validateResourceKey(value)).toThrow(refusal(''));
    }
  });
});

describe('validatePutRequest', () => {
  const body = new Uint8Array([1, 2, 3]);

  it('returns a copy that keeps the same body bytes object', () => {
    const request = validatePutRequest({
      ...key,
      body,
      labels: { app: 'web' },
      expectedRevision: 0,
    });
    expect(request).toEqual({ ...key, body, labels: { app: 'web' }, expectedRevision: 0 });
    expect(request.body).toBe(body);
  });

  it('accepts a Buffer body and treats null optional fields as absent', () => {
    const request = validatePutRequest({
      ...key,
      body: Buffer.from('x'),
      labels: null,
      expectedRevision: null,
    });
    expect(request).not.toHaveProperty('labels');
    expect(request).not.toHaveProperty('expectedRevision');
  });

  it('copies labels into a fresh object', () => {
    const labels = { app: 'web' };
    expect(validatePutRequest({ ...key, body, labels }).labels).not.toBe(labels);
  });

  it('refuses a body that is not a Uint8Array', () => {
    for (const bad of [undefined, 'text', [1, 2], new Uint16Array(1), body.buffer]) {
      expect(() => validatePutRequest({ ...key, body: bad })).toThrow(refusal('body'));
    }
  });

  it('refuses invalid label keys and values, naming the label', () => {
    expect(() => validatePutRequest({ ...key, body, labels: { 'bad key': 'x' } })).toThrow(
      refusal('labels["bad key"]'),
    );
    expect(() => validatePutRequest({ ...key, body, labels: { app: 'no spaces' } })).toThrow(
      refusal('labels["app"]'),
    );
    expect(() => validatePutRequest({ ...key, body, labels: { app: 1 } })).toThrow(
      refusal('labels["app"]'),
    );
    expect(() => validatePutRequest({ ...key, body, labels: ['app'] })).toThrow(refusal('labels'));
  });

  it('refuses an expected revision that is not a non-negative integer', () => {
    for (const bad of [-1, 1.5, '3', Number.NaN, 2 ** 53]) {
      expect(() => validatePutRequest({ ...key, body, expectedRevision: bad })).toThrow(
        refusal('expectedRevision'),
      );
    }
  });
});

describe('validateDeleteRequest', () => {
  it('returns the key and the expected revision', () => {
    expect(validateDeleteRequest({ ...key, expectedRevision: 4 })).toEqual({
      ...key,
      expectedRevision: 4,
    });
    expect(() => validateDeleteRequest({ ...key, expectedRevision: -4 })).toThrow(
      refusal('expectedRevision'),
    );
  });
});

describe('validateListQuery', () => {
  it('accepts an empty query and keeps given fields', () => {
    expect(validateListQuery({})).toEqual({});
    const query = {
      cluster: 'c',
      type: 't',
      namespace: '',
      namePrefix: '',
      labelSelector: 'a=b',
      orderBy: 'revision',
      descending: true,
      limit: MAX_LIST_LIMIT,
      continue: 'abc',
    };
    expect(validateListQuery(query)).toEqual(query);
  });

  it('treats an empty continue token as absent', () => {
    expect(validateListQuery({ continue: '' })).toEqual({});
  });

  it.each([
    ['limit', 0],
    ['limit', MAX_LIST_LIMIT + 1],
    ['limit', 2.5],
    ['limit', '10'],
    ['orderBy', 'size'],
    ['descending', 'yes'],
    ['cluster', ''],
    ['type', ''],
    ['namespace', 3],
    ['namePrefix', 'a\0'],
    ['labelSelector', 'a in (b'],
    ['labelSelector', 5],
    ['continue', 5],
  ])('refuses %s = %j, naming the field', (field, value) => {
    expect(() => validateListQuery({ [field]: value })).toThrow(refusal(field));
  });
});
