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
      expect(options.inlineValues).toBe('copy');
    } finally {
      if (previous !== undefined) process.env['BERTH_PLUGINS'] = previous;
    }
  });

  it('look for npm plugins in the working directory unless told, and do not watch', () => {
    const options = resolveHostOptions({ logger }, '/srv/app');
    expect(options).toMatchObject({
      npmRoots: ['/srv/app'],
      optionalNpmRoots: ['/srv/app'],
      watch: false,
      autoEnable: true,
    });
    const given = resolveHostOptions({ logger, npmRoots: ['app'], watch: true }, '/srv');
    expect(given).toMatchObject({ npmRoots: [join('/srv', 'app')], optionalNpmRoots: [] });
    expect(given.watch).toBe(true);
  });

  it('take no plugin disabled unless told, and refuse a list that names nothing', () => {
    expect(resolveHostOptions({ logger }).disable).toEqual([]);
    expect(resolveHostOptions({ logger, disable: ['a'] }).disable).toEqual(['a']);
    expect(() => resolveHostOptions({ logger, disable: [''] })).toThrow(
      expect.objectContaining({ code: codes.CONFIG_INVALID, data: { option: 'disable' } }),
    );
  });

  it('log warnings and errors only when no logger is given', () => {
    expect(resolveHostOptions({}).logger.level).toBe('warn');
    expect(resolveHostOptions({ logger }).logger).toBe(logger);
  });

  it('limit each plugin process to 1,024 MB resident unless told otherwise', () => {
    expect(resolveHostOptions({ logger }).processLimits).toEqual({ maxRssMb: 1_024 });
    expect(
      resolveHostOptions({ logger, processLimits: { maxRssMb: 256, cpuSeconds: 60 } })
        .processLimits,
    ).toEqual({ maxRssMb: 256, cpuSeconds: 60 });
  });

  it('copy inline values unless told to pass references', () => {
    expect(resolveHostOptions({ logger, inlineValues: 'reference' }).inlineValues).toBe(
      'reference',
    );
    expect(resolveHostOptions({ logger, inlineValues: 'copy' }).inlineValues).toBe('copy');
  });

  it.each([
    ['isolation', { isolation: 'vm' }],
    ['inlineValues', { inlineValues: 'share' }],
    ['inlineValues', { inlineValues: true }],
    ['startTimeoutMs', { startTimeoutMs: -1 }],
    ['stopTimeoutMs', { stopTimeoutMs: Number.NaN }],
    ['callTimeoutMs', { callTimeoutMs: 2 ** 31 }],
    ['watch', { watch: 'yes' }],
    ['autoEnable', { autoEnable: 1 }],
    ['npmRoots', { npmRoots: '/srv/app' }],
    ['processLimits.maxRssMb', { processLimits: { maxRssMb: 4 } }],
    ['processLimits.cpuSeconds', { processLimits: { cpuSeconds: 0 } }],
    ['processLimits.uid', { processLimits: { uid: -1 } }],
  ])('refuse a bad %s with BERTH_ERR_CONFIG_INVALID naming it', (option, bad) => {
    expect(() => resolveHostOptions({ logger, ...(bad as object) })).toThrow(
      expect.objectContaining({ code: codes.CONFIG_INVALID, data: { option } }),
    );
  });
});
