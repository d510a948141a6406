import { describe, expect, it } from 'vitest';
import { ENV_ALLOWLIST, pluginEnv } from '../../../src/isolation/plugin-env.js';

const host: NodeJS.ProcessEnv = {
  PATH: '/usr/bin',
  HOME: '/home/berth',
  LANG: 'en_GB.UTF-8',
  TZ: 'Europe/Paris',
  NODE_ENV: 'production',
  LC_ALL: 'C',
  LC_CTYPE: 'UTF-8',
  lc_all: 'lower case is not a locale variable',
  LC_: 'not a category',
  LC_lower: 'not a category',
  BERTH_ADMIN_TOKEN: 'secret',
  BERTH_WORKERS: 'dist',
  DATABASE_URL: 'postgres://user:password@db/berth',
  AWS_SECRET_ACCESS_KEY: 'secret',
  NODE_OPTIONS: '--inspect',
  S3_BUCKET: 'blobs',
  UNSET: undefined,
};

describe('the environment of a plugin', () => {
  it('passes the allowlisted variables the host has, and nothing else', () => {
    expect(pluginEnv([], host)).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/berth',
      LANG: 'en_GB.UTF-8',
      TZ: 'Europe/Paris',
      NODE_ENV: 'production',
      LC_ALL: 'C',
      LC_CTYPE: 'UTF-8',
    });
  });

  it('passes every locale category (LC_*), and no other spelling of one', () => {
    const env = pluginEnv([], host);
    expect(Object.keys(env).filter((name) => /^lc_/i.test(name))).toEqual(['LC_ALL', 'LC_CTYPE']);
  });

  it('passes the variables the manifest declares, when the host has them', () => {
    const env = pluginEnv(['S3_BUCKET', 'DATABASE_URL', 'NOT_SET', 'UNSET'], host);
    expect(env['S3_BUCKET']).toBe('blobs');
    expect(env['DATABASE_URL']).toBe('postgres://user:password@db/berth');
    expect('NOT_SET' in env).toBe(false);
    expect('UNSET' in env).toBe(false);
    expect(env['AWS_SECRET_ACCESS_KEY']).toBeUndefined();
  });

  it('never passes a BERTH_ variable, even declared', () => {
    const env = pluginEnv(['BERTH_ADMIN_TOKEN', 'BERTH_WORKERS'], host);
    expect(Object.keys(env).some((name) => name.startsWith('BERTH_'))).toBe(false);
  });

  it('matches names exactly: a declared name in another case is another variable', () => {
    expect(pluginEnv(['s3_bucket', 'path'], host)).not.toHaveProperty('s3_bucket');
    expect(pluginEnv(['s3_bucket'], host)).not.toHaveProperty('S3_BUCKET');
  });

  it('reads process.env by default, and returns a copy', () => {
    const env = pluginEnv([]);
    for (const [name, value] of Object.entries(env)) expect(process.env[name]).toBe(value);
    expect(env).not.toBe(process.env);
    expect(
      Object.keys(env).every((name) => ENV_ALLOWLIST.includes(name) || /^LC_/.test(name)),
    ).toBe(true);
  });
});
