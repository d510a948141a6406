import { describe, expect, it } from 'vitest';
import { MAX_KEY_FIELD_LENGTH } from '../../../src/index.js';
import {
  checkPathSegment,
  MAX_ROUTER_PARAM_LENGTH,
  PATH_LIMITS,
} from '../../../src/service/request-limits.js';

describe('the service path limits', () => {
  it('fit in the storage contract, the joined type included', () => {
    for (const limit of Object.values(PATH_LIMITS))
      expect(limit).toBeLessThanOrEqual(MAX_KEY_FIELD_LENGTH);
    const type = PATH_LIMITS.group + PATH_LIMITS.version + PATH_LIMITS.resource + 2;
    expect(type).toBeLessThanOrEqual(MAX_KEY_FIELD_LENGTH);
  });

  it('leave the router room for every segment within its limit, fully percent-encoded', () => {
    for (const limit of Object.values(PATH_LIMITS)) {
      expect(MAX_ROUTER_PARAM_LENGTH).toBeGreaterThanOrEqual(3 * limit);
    }
  });

  it('follow Kubernetes for names and namespaces', () => {
    expect(PATH_LIMITS.name).toBe(253);
    expect(PATH_LIMITS.namespace).toBe(63);
  });

  it('refuse empty, overlong and aliasing segments naming the field', () => {
    expect(checkPathSegment('name', 'a/b')).toBe('a/b');
    for (const [field, value] of [
      ['group', 'apps/v1'],
      ['version', 'v1/x'],
      ['resource', 'a/b'],
      ['name', 'n'.repeat(254)],
      ['cluster', ''],
    ] as const) {
      expect(() => checkPathSegment(field, value)).toThrow(
        expect.objectContaining({ code: 'BERTH_ERR_INVALID_ARGUMENT', data: { field } }),
      );
    }
  });
});
