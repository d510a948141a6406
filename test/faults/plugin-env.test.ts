/**
 * What a plugin can read of the host's environment (issue finding 12: workers got a copy
 * of it, admin token and database passwords included). A worker's process.env is now the
 * allowlist of isolation/plugin-env.ts and what its manifest declares in `env`, never a
 * BERTH_* variable, in thread and in pool isolation. Inline isolation runs in the host's
 * own thread: there is no environment of its own to give it.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENV_ALLOWLIST } from '../../src/isolation/plugin-env.js';
import type { EnvReader } from '../fixtures/plugins/env-reader/index.js';
import { useFaultHosts, type FaultHost } from './fault-host.js';

/** Set in the host's process.env for each test, restored after it. */
const HOST_ENV = {
  BERTH_ADMIN_TOKEN: 'admin-token-of-the-host',
  DATABASE_URL: 'postgres://berth:database-password@127.0.0.1:5432/berth',
  PAYMENTS_API_KEY: 'an-arbitrary-secret-of-the-host',
  // Declared in "env" by both env-reader manifests.
  ENV_READER_DECLARED: 'declared-by-the-plugin',
};
const SECRETS = ['BERTH_ADMIN_TOKEN', 'DATABASE_URL', 'PAYMENTS_API_KEY'] as const;

/** What a plugin may see: the allowlist, the locale categories and what it declares. */
const allowed = (name: string): boolean =>
  ENV_ALLOWLIST.includes(name) || /^LC_[A-Z]+$/.test(name) || name === 'ENV_READER_DECLARED';

const reader = (fault: FaultHost): EnvReader => fault.host.service<EnvReader>('env');

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Runs a host from dist/ in a `node --env-file=<file>` process, with env-reader in a
 * thread and pool-env-reader on a pool, and answers what the host and each plugin read
 * of `names`.
 */
async function readUnderEnvFile(
  dir: string,
  file: string,
  names: string[],
): Promise<Record<'host' | 'thread' | 'pool', Record<string, string | null>>> {
  // A file, not --eval: workers inherit the process's execArgv, and refuse --input-type.
  const script = join(dir, 'host.mjs');
  await writeFile(
    script,
    `
    import { createRequire } from 'node:module';
    import { createHost } from ${JSON.stringify(pathToFileURL(join(root, 'dist/src/index.js')).href)};
    const { pino } = createRequire(${JSON.stringify(join(root, 'package.json'))})('pino');
    const names = ${JSON.stringify(names)};
    const host = createHost({
      plugins: [${JSON.stringify(join(root, 'test/fixtures/plugins'))}],
      enable: ['env-reader', 'pool-env-reader'],
      dataDir: ${JSON.stringify(join(dir, 'data'))},
      logger: pino({ level: 'silent' }),
    });
    await host.start();
    try {
      const read = (service) => host.service(service).read(names);
      const ofHost = Object.fromEntries(names.map((name) => [name, process.env[name] ?? null]));
      const [thread, pool] = await Promise.all([read('env-reader/env'), read('pool-env-reader/env')]);
      process.stdout.write(JSON.stringify({ host: ofHost, thread, pool }));
    } finally {
      await host.close();
    }
  `,
  );
  const { stdout } = await promisify(execFile)(process.execPath, [`--env-file=${file}`, script], {
    cwd: root,
    // Only what the file gives: not the variables this test sets in its own process.env.
    env: { PATH: process.env['PATH'] ?? '' },
    timeout: 20_000,
  });
  return JSON.parse(stdout) as Record<'host' | 'thread' | 'pool', Record<string, string | null>>;
}

describe('the environment a plugin sees', () => {
  const start = useFaultHosts();
  const saved = new Map<string, string | undefined>();

  beforeEach(() => {
    for (const [name, value] of Object.entries(HOST_ENV)) {
      saved.set(name, process.env[name]);
      process.env[name] = value;
    }
  });
  afterEach(() => {
    for (const [name, value] of saved) {
      if (value === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = value;
    }
    saved.clear();
  });

  it.each([
    { mode: 'thread', plugin: 'env-reader', options: {} },
    { mode: 'pool', plugin: 'pool-env-reader', options: {} },
    { mode: 'process', plugin: 'env-reader', options: { isolation: 'process' } },
  ] as const)(
    '$mode: neither BERTH_ADMIN_TOKEN, nor DATABASE_URL, nor another variable of the host; PATH and what its manifest declares',
    async ({ mode, plugin, options }) => {
      const fault = await start([plugin], options);
      expect(fault.host.plugins().find((p) => p.name === plugin)?.isolation).toBe(mode);
      const env = reader(fault);
      // A pool has two threads: ask both (piscina gives each call to the least busy).
      const seen = await Promise.all(
        Array.from({ length: 4 }, () =>
          env.read([...SECRETS, 'BERTH_WORKERS', 'PATH', 'ENV_READER_DECLARED']),
        ),
      );
      for (const values of seen) {
        expect(values).toEqual({
          BERTH_ADMIN_TOKEN: null,
          DATABASE_URL: null,
          PAYMENTS_API_KEY: null,
          // Set for the whole test run (vitest.config.ts): a BERTH_* variable of the host too.
          BERTH_WORKERS: null,
          PATH: process.env['PATH'],
          ENV_READER_DECLARED: 'declared-by-the-plugin',
        });
      }
      const names = await env.names();
      expect(names.filter((name) => !allowed(name))).toEqual([]);
      expect(await fault.echo()).toBe('neighbour unharmed');
    },
  );

  it('inline: runs in the host thread and so sees every variable of the host, secrets included (inline isolation cannot hide them)', async () => {
    const fault = await start(['env-reader'], { isolation: 'inline' });
    expect(fault.host.plugins().find((p) => p.name === 'env-reader')?.isolation).toBe('inline');
    expect(await reader(fault).read([...SECRETS])).toEqual({
      BERTH_ADMIN_TOKEN: HOST_ENV.BERTH_ADMIN_TOKEN,
      DATABASE_URL: HOST_ENV.DATABASE_URL,
      PAYMENTS_API_KEY: HOST_ENV.PAYMENTS_API_KEY,
    });
    expect(await fault.echo()).toBe('neighbour unharmed');
  });

  it('thread and pool: not a variable loaded by node --env-file either, which Node adds to every worker whatever its env option', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'berth-env-file-'));
    try {
      const file = join(dir, 'host.env');
      await writeFile(
        file,
        'ENV_FILE_SECRET=loaded-from-the-env-file\nENV_READER_DECLARED=declared-in-the-env-file\n',
      );
      const seen = await readUnderEnvFile(dir, file, ['ENV_FILE_SECRET', 'ENV_READER_DECLARED']);
      const host = {
        ENV_FILE_SECRET: 'loaded-from-the-env-file',
        ENV_READER_DECLARED: 'declared-in-the-env-file',
      };
      const plugin = { ...host, ENV_FILE_SECRET: null };
      expect(seen).toEqual({ host, thread: plugin, pool: plugin });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.runIf(process.platform === 'linux')(
    'thread: a variable the host process was launched with, kept from process.env, is still in /proc/self/environ, which every thread of the process can read (threads are not a security boundary)',
    async () => {
      // The variables this test process was launched with, by name (not those set since).
      const launched = readFileSync('/proc/self/environ', 'utf8')
        .split('\0')
        .map((entry) => entry.slice(0, entry.indexOf('=')))
        .filter((name) => name !== '' && !allowed(name));
      const name = launched[0];
      expect(name, 'a variable of the launch environment outside the allowlist').toBeDefined();
      const fault = await start(['env-reader']);
      const env = reader(fault);
      expect(await env.read([name ?? ''])).toEqual({ [name ?? '']: null });
      expect(await env.launchNames(), `${name} in /proc/self/environ`).toContain(name);
      expect(await fault.echo()).toBe('neighbour unharmed');
    },
  );

  it.runIf(process.platform === 'linux')(
    'process: not even in /proc/self/environ, as its process is launched with only the variables it may see',
    async () => {
      const launched = readFileSync('/proc/self/environ', 'utf8')
        .split('\0')
        .map((entry) => entry.slice(0, entry.indexOf('=')))
        .filter((name) => name !== '' && !allowed(name));
      expect(launched.length).toBeGreaterThan(0);
      const fault = await start(['env-reader'], { isolation: 'process' });
      const names = await reader(fault).launchNames();
      expect(names.filter((name) => launched.includes(name))).toEqual([]);
      expect(await fault.echo()).toBe('neighbour unharmed');
    },
  );
});
