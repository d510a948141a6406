// Which plugins `berth serve` takes: the bundled ones beside the user's folders, every
// plugin found started (the bundled ones other than the storage listed, disabled), each
// one at least listed so an operator can enable it. Real servers, real workers.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codes } from '../../src/index.js';
import {
  DEFAULT_SERVICE_CONFIG,
  startService,
  type RunningService,
  type ServiceConfig,
} from '../../src/service/index.js';
import { rejection } from '../support/rejection.js';
import { endBerth, runBerth, servingUrl, type BerthProcess } from '../support/berth-process.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const echo = join(root, 'test/fixtures/plugins/echo');
const berth = join(root, 'dist/src/cli/main.js');
const run = promisify(execFile);

interface Listed {
  name: string;
  state: string;
  enabled: boolean;
}

describe('berth serve and the plugins it finds', () => {
  let dataDir: string;
  let service: RunningService | undefined;
  let served: BerthProcess | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'berth-serve-plugins-'));
  });
  afterEach(async () => {
    await service?.close();
    service = undefined;
    await endBerth(served);
    served = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(config: Partial<ServiceConfig>): Promise<RunningService> {
    service = await startService(
      { ...DEFAULT_SERVICE_CONFIG, port: 0, dataDir, adminToken: 'letmein', ...config },
      pino({ level: 'silent' }),
    );
    return service;
  }

  async function listed(url: string): Promise<Listed[]> {
    const answer = await fetch(`${url}/v1/plugins`);
    return ((await answer.json()) as { plugins: Listed[] }).plugins;
  }

  it('starts a plugin present at start beside the bundled storage, and lists the other bundled ones disabled', async () => {
    const { url } = await start({ plugins: [echo] });
    const plugins = await listed(url);
    expect(plugins.map((p) => [p.name, p.state, p.enabled])).toEqual([
      ['echo', 'running', true],
      ['memory-storage', 'installed', false],
      ['postgres-storage', 'installed', false],
      ['sqlite-storage', 'running', true],
    ]);
    // Listed, so an operator can enable one by name with the CLI.
    const enabled = await run(
      process.execPath,
      [berth, 'plugins', 'enable', 'memory-storage', '--url', url, '--token', 'letmein'],
      { cwd: dataDir },
    );
    expect(enabled.stdout).toContain('memory-storage');
    expect((await listed(url)).find((p) => p.name === 'memory-storage')).toMatchObject({
      state: 'running',
      enabled: true,
    });
  });

  it('leaves the bundled plugins out when told, so the storage must come from --plugins', async () => {
    const refused = await rejection(start({ plugins: [echo], bundledPlugins: false }));
    expect(refused).toMatchObject({ code: codes.PLUGIN_NOT_FOUND, plugin: 'sqlite-storage' });
    const { url } = await start({
      plugins: [join(root, 'plugins/memory-storage'), echo],
      bundledPlugins: false,
      storage: { name: 'memory-storage', config: {} },
    });
    expect((await listed(url)).map((p) => [p.name, p.state])).toEqual([
      ['echo', 'running'],
      ['memory-storage', 'running'],
    ]);
  });

  it('serves from the command line with --plugins added to the bundled plugins, a flag winning over a bad variable', async () => {
    const env = { ...process.env, BERTH_PLUGINS: '', BERTH_PORT: 'not-a-port' };
    served = runBerth(['serve', '--port', '0', '--plugins', echo, '-d', dataDir], dataDir, env);
    const url = await servingUrl(served);
    expect(url, served.output()).toBeDefined();
    expect(served.output()).toContain('found 4 plugin(s), starting 2: echo, sqlite-storage');
    expect(served.output()).toContain('plugin \\"postgres-storage\\" is listed but not started');
    expect((await listed(url ?? '')).map((p) => p.name)).toContain('echo');
  });

  it('serves with the storage plugin in a process of its own under --storage-isolation process', async () => {
    const env = { ...process.env, BERTH_PLUGINS: '' };
    const args = ['serve', '--port', '0', '--storage-isolation', 'process', '-d', dataDir];
    served = runBerth(args, dataDir, env);
    const url = (await servingUrl(served)) ?? '';
    expect(url, served.output()).not.toBe('');
    const answer = await fetch(`${url}/v1/plugins`);
    const plugins = ((await answer.json()) as { plugins: (Listed & { isolation: string })[] })
      .plugins;
    expect(plugins.find((p) => p.name === 'sqlite-storage')).toMatchObject({
      state: 'running',
      isolation: 'process',
    });
    const resource = `${url}/v1/resources/c1/apps/v1/deployments/default/web`;
    const put = await fetch(resource, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'web', namespace: 'default' }, spec: { n: 1 } }),
    });
    expect(put.status, await put.clone().text()).toBeLessThan(300);
    expect(((await (await fetch(resource)).json()) as { spec: unknown }).spec).toEqual({ n: 1 });
    const status = await run(process.execPath, [berth, 'plugins', 'status', '--url', url]);
    expect(status.stdout).toMatch(/sqlite-storage@\S+ {2}running .* pid \d+ \d+ MB/);
  });

  it('fails from the command line without the bundled storage under --no-bundled-plugins', async () => {
    const env = { ...process.env, BERTH_PLUGINS: '' };
    const args = ['serve', '--port', '0', '--no-bundled-plugins', '--plugins', echo, '-d', dataDir];
    served = runBerth(args, dataDir, env);
    expect(await served.exited).toBe(1);
    expect(served.output()).toContain(codes.PLUGIN_NOT_FOUND);
    expect(served.output()).toContain('--no-bundled-plugins');
  });
});
