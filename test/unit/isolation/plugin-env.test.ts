import { describe, expect, it } from 'vitest';
import { ENV_ALLOWLIST, pluginEnv } from '../../../src/isolation/plugin-env.js';

const HOST = {
  PATH: '/usr/bin:/bin',
  HOME: '/home/berth',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  TZ: 'UTC',
  NODE_ENV: 'production',
  BERTH_ADMIN_TOKEN: 'secret',
  BERTH_WORKERS: 'dist',
  DATABASE_URL: 'postgres://user:password@db/berth',
  AWS_REGION: 'eu-west-1',
  AWS_SECRET_ACCESS_KEY: 'secret',
  NODE_OPTIONS: '--inspect',
  lc_all: 'lower case is not a locale category',
};

describe('pluginEnv', () => {
  it('gives the allowlist and the locale categories, nothing else, when nothing is declared', () => {
    expect(pluginEnv([], HOST)).toEqual({
      PATH: HOST.PATH,
      HOME: HOST.HOME,
      LANG: HOST.LANG,
      LC_ALL: HOST.LC_ALL,
      TZ: HOST.TZ,
      NODE_ENV: HOST.NODE_ENV,
    });
  });

  it('adds the variables the manifest declares, when the host has them', () => {
    const env = pluginEnv(['AWS_REGION', 'NOT_SET'], HOST);
    expect(env['AWS_REGION']).toBe('eu-west-1');
    expect(env).not.toHaveProperty('NOT_SET');
    expect(env).not.toHaveProperty('AWS_SECRET_ACCESS_KEY');
  });

  it('never gives a BERTH_* variable, even declared', () => {
    const env = pluginEnv(['BERTH_ADMIN_TOKEN', 'BERTH_WORKERS'], HOST);
    expect(Object.keys(env).filter((name) => name.startsWith('BERTH_'))).toEqual([]);
  });

  it('allows nothing that could hand a worker the host secrets or debugging', () => {
    expect(ENV_ALLOWLIST).not.toContain('NODE_OPTIONS');
    expect(ENV_ALLOWLIST.filter((name) => /TOKEN|SECRET|PASSWORD|KEY|URL/.test(name))).toEqual([]);
  });
});
