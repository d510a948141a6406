import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { codes } from '../../../src/errors.js';
import { resolveHostOptions } from '../../../src/host/host-options.js';

const logger = pino({ level: 'silent' });

describe('host options', () => {
  it('default to ./plugins and ./data under the working directory', () => {
    const previous = process.env['BERTH_PLUGINS'];
    delete process.env['BERTH_PLUGINS'];
    try {
      const options = resolveHostOptions({ logger }, '/srv/app');
      expect(options.pluginDirs).toEqual([join('/srv/app', 'plugins')]);
      expect(options.dataDir).toBe(join('/srv/app', 'data'));
      expect(options.isolation).toBeUndefined();
    } finally {
      if (previous !== undefined) process.env['BERTH_PLUGINS'] = previous;
    }
  });

  it.each([
    ['isolation', { isolation: 'process' }],
    ['startTimeoutMs', { startTimeoutMs: -1 }],
    ['stopTimeoutMs', { stopTimeoutMs: Number.NaN }],
  ])('refuse a bad %s with BERTH_ERR_CONFIG_INVALID naming it', (option, bad) => {
    expect(() => resolveHostOptions({ logger, ...(bad as object) })).toThrow(
      expect.objectContaining({ code: codes.CONFIG_INVALID, data: { option } }),
    );
  });
});
