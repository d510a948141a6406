// `berth plugins install|enable|disable|remove|config`, run from the build as users run
// it, against a real `berth serve` in this process.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_SERVICE_CONFIG,
  startService,
  type RunningService,
} from '../../src/service/index.js';
import type { Front } from '../fixtures/plugins/lifecycle/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const berth = join(root, 'dist/src/cli/main.js');
const fixtures = join(root, 'test/fixtures/plugins');
const run = promisify(execFile);

/** Runs `berth …` in `cwd`; never rejects. */
async function cli(
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { BERTH_ADMIN_TOKEN: _token, ...inherited } = process.env;
  const env = { ...inherited, BERTH_PLUGINS: '' };
  try {
    const { stdout, stderr } = await run(process.execPath, [berth, ...args], { cwd, env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('the berth plugins lifecycle commands', () => {
  let dataDir: string;
  let service: RunningService | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'berth-lifecycle-cli-'));
  });
  afterEach(async () => {
    await service?.close();
    service = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(): Promise<RunningService> {
    service = await startService(
      {
        ...DEFAULT_SERVICE_CONFIG,
        port: 0,
        dataDir,
        plugins: [join(root, 'plugins')],
        storage: { name: 'memory-storage', config: {} },
        adminToken: 'letmein',
        installFrom: [fixtures],
      },
      pino({ level: 'silent' }),
    );
    return service;
  }

  it('print help for every lifecycle command', async () => {
    for (const command of ['install', 'enable', 'disable', 'remove', 'config']) {
      const { code, stdout } = await cli(['plugins', command, '--help'], dataDir);
      expect(code).toBe(0);
      expect(stdout).toContain(`Usage: berth plugins ${command}`);
      expect(stdout).toContain('--url');
    }
  });

  it(
    'install, enable, configure, disable and remove a plugin of a running service',
    { timeout: 60_000 },
    async () => {
      const { url, host } = await start();
      const admin = ['--url', url, '--token', 'letmein'];

      // A relative folder is the CLI's, not the service's: it is sent as an absolute path.
      const installed = await cli(['plugins', 'install', 'lifecycle', ...admin], fixtures);
      expect(installed).toMatchObject({ code: 0 });
      expect(installed.stdout).toContain('lifecycle@1.0.0 disabled, installed');

      const enabled = await cli(['plugins', 'enable', 'lifecycle', ...admin], dataDir);
      expect(enabled.stdout).toContain('lifecycle@1.0.0 enabled, running');

      const configured = await cli(
        ['plugins', 'config', 'lifecycle', 'front', 'greeting=hey there', 'limit=20', ...admin],
        dataDir,
      );
      expect(configured.code).toBe(0);
      expect(configured.stdout).toContain('applied live');
      expect(await host.service<Front>('lifecycle/front').config()).toEqual({
        greeting: 'hey there',
        limit: 20,
      });

      const refused = await cli(
        ['plugins', 'config', 'lifecycle', 'front', 'greeting=forbidden', ...admin],
        dataDir,
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('BERTH_ERR_CONFIG_INVALID');
      const bySchema = await cli(
        ['plugins', 'config', 'lifecycle', 'front', 'limit=0', ...admin],
        dataDir,
      );
      expect(bySchema.stderr).toContain('BERTH_ERR_CONFIG_INVALID');
      expect(await host.service<Front>('lifecycle/front').greet('x')).toBe('hey there, x!');

      const status = await cli(['plugins', 'status', 'lifecycle', '--url', url], dataDir);
      expect(status.stdout).toMatch(/^lifecycle@1\.0\.0 {2}running {2}restarts 0/);

      const early = await cli(['plugins', 'remove', 'lifecycle', ...admin], dataDir);
      expect(early.code).toBe(1);
      expect(early.stderr).toContain('BERTH_ERR_PLUGIN_ENABLED');

      const disabled = await cli(['plugins', 'disable', 'lifecycle', ...admin], dataDir);
      expect(disabled.stdout).toContain('lifecycle@1.0.0 disabled, stopped');
      const removed = await cli(['plugins', 'remove', 'lifecycle', ...admin], dataDir);
      expect(removed).toMatchObject({ code: 0 });
      expect(host.plugins().map((p) => p.name)).toEqual([
        'memory-storage',
        'postgres-storage',
        'sqlite-storage',
      ]);
    },
  );

  it('need the admin token, and say so when no service answers', async () => {
    const { url } = await start();
    const refused = await cli(['plugins', 'disable', 'memory-storage', '--url', url], dataDir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('BERTH_ERR_UNAUTHORIZED');
    await service?.close();
    service = undefined;
    const nobody = await cli(['plugins', 'enable', 'memory-storage', '--url', url], dataDir);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain('BERTH_ERR_SERVICE_UNREACHABLE');
    expect(nobody.stderr).toContain(url);
  });

  it('refuse a pair that is not key=value before asking the service', async () => {
    const bad = await cli(
      ['plugins', 'config', 'lifecycle', 'front', 'greeting', '--url', 'http://127.0.0.1:9'],
      dataDir,
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('BERTH_ERR_INVALID_ARGUMENT');
  });
});
