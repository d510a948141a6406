import { describe, expect, it } from 'vitest';
import { codes } from '../../../../src/errors.js';
import { parsePluginRef } from '../../../../src/host/lifecycle/plugin-ref.js';

describe('plugin references', () => {
  it('name a plugin, or one version of it', () => {
    expect(parsePluginRef('sqlite-storage')).toEqual({ name: 'sqlite-storage' });
    expect(parsePluginRef('sqlite-storage@1.2.0-rc.1')).toEqual({
      name: 'sqlite-storage',
      version: '1.2.0-rc.1',
    });
  });

  it.each(['', 'Bad_Name', 'echo@', 'echo@latest', 'echo@1.0', '@1.0.0'])(
    'refuse %j with BERTH_ERR_INVALID_ARGUMENT',
    (text) => {
      expect(() => parsePluginRef(text)).toThrowError(
        expect.objectContaining({ code: codes.INVALID_ARGUMENT }),
      );
    },
  );
});
