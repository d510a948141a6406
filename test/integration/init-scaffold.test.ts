// `berth init` end to end, the way a plugin author lives it: the built CLI scaffolds a
// plugin in a temporary folder and runs `npm install` there (berth linked to this
// checkout, the tools from the npm cache), then the scaffold builds, passes its own
// tests (inline and in a worker thread), and runs in a host and in the HTTP service.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codes, createHost, type PluginHost, type StorageLayer } from '../../src/index.js';
import {
  DEFAULT_SERVICE_CONFIG,
  startService,
  type RunningService,
} from '../../src/service/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const berth = join(root, 'dist/src/cli/main.js');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
// npm install, tsc and a second vitest on a loaded 2-core machine: a generous bound.
const SCAFFOLD_TIMEOUT_MS = 240_000;

interface Ran {
  code: number;
  output: string;
}

/**
 * Runs a command to completion. The scaffold's own vitest must not see this run's
 * vitest variables (it would take itself for one of our workers), so they are dropped.
 */
function run(command: string, args: string[], cwd: string): Promise<Ran> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(VITEST|NODE_ENV$|TEST$)/.test(key)),
  );
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, env, maxBuffer: 64 * 1024 * 1024, shell: process.platform === 'win32' },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

/** Runs the scaffold's `npm test` and returns the name of every test that passed. */
async function passedTests(dir: string, report: string): Promise<string[]> {
  const tested = await run(npm, ['test', '--', '--reporter=json', `--outputFile=${report}`], dir);
  expect(tested.code, tested.output).toBe(0);
  const results = JSON.parse(await readFile(report, 'utf8')) as {
    numFailedTests: number;
    testResults: { assertionResults: { fullName: string; status: string }[] }[];
  };
  expect(results.numFailedTests).toBe(0);
  return results.testResults.flatMap((file) =>
    file.assertionResults.filter((t) => t.status === 'passed').map((t) => t.fullName),
  );
}

describe('berth init', () => {
  let work: string;
  let host: PluginHost | undefined;
  let service: RunningService | undefined;

  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'berth-init-'));
  });
  afterEach(async () => {
    await host?.close();
    host = undefined;
    await service?.close();
    service = undefined;
    await rm(work, { recursive: true, force: true });
  });

  it(
    'scaffolds a storage plugin that builds, passes its own tests and serves in a host',
    async () => {
      const init = await run(
        process.execPath,
        [berth, 'init', 'my-plugin', '--contract', 'storage'],
        work,
      );
      expect(init.code, init.output).toBe(0);
      const dir = join(work, 'my-plugin');
      const built = await run(npm, ['run', 'build'], dir);
      expect(built.code, built.output).toBe(0);

      const passed = await passedTests(dir, join(work, 'report.json'));
      // Every test of the scaffold ran both ways, in process and through a worker.
      expect(passed.filter((name) => name.includes('(inline)')).length).toBeGreaterThan(0);
      expect(passed.filter((name) => name.includes('(thread)')).length).toBe(
        passed.filter((name) => name.includes('(inline)')).length,
      );

      host = createHost({
        plugins: [dir],
        isolation: 'thread',
        dataDir: join(work, 'data'),
        logger: pino({ level: 'silent' }),
      });
      await host.start();
      expect(host.plugins()).toMatchObject([
        { name: 'my-plugin', state: 'running', isolation: 'thread' },
      ]);
      const storage = host.service<StorageLayer>('my-plugin/storage');
      const key = { cluster: 'ci', type: 'core/v1/configmaps', namespace: 'default', name: 'a' };
      const body = new TextEncoder().encode('{"data":{"x":"1"}}');
      expect(await storage.put({ ...key, labels: { app: 'a' }, body })).toEqual({
        revision: 1,
        created: true,
      });
      expect(new Uint8Array((await storage.get(key))?.body ?? [])).toEqual(body);
      expect((await storage.list({ labelSelector: 'app=a' })).items.map((r) => r.name)).toEqual([
        'a',
      ]);
      await host.close();
      host = undefined;

      service = await startService(
        {
          ...DEFAULT_SERVICE_CONFIG,
          port: 0,
          dataDir: join(work, 'data'),
          plugins: [dir],
          storage: { name: 'my-plugin', config: {} },
        },
        pino({ level: 'silent' }),
      );
      const url = `${service.url}/v1/resources/ci/_/v1/configmaps/default/web`;
      const sent = '{"metadata":{"name":"web","labels":{"app":"web"}}}';
      const put = await fetch(url, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: sent,
      });
      expect(put.ok).toBe(true);
      const got = await fetch(url);
      expect(got.status).toBe(200);
      expect(await got.text()).toBe(sent);
    },
    SCAFFOLD_TIMEOUT_MS,
  );

  it(
    'scaffolds a greeter plugin that builds, passes its own tests and answers in a worker',
    async () => {
      const init = await run(process.execPath, [berth, 'init', 'my-greeter'], work);
      expect(init.code, init.output).toBe(0);
      const dir = join(work, 'my-greeter');
      const passed = await passedTests(dir, join(work, 'report.json'));
      expect(passed.some((name) => name.includes('(thread)'))).toBe(true);

      host = createHost({
        plugins: [dir],
        isolation: 'thread',
        dataDir: join(work, 'data'),
        logger: pino({ level: 'silent' }),
        config: { 'my-greeter': { greeter: { greeting: 'Ahoy' } } },
      });
      await host.start();
      const greeter = host.service<{ greet(name: string): Promise<string> }>('greeter');
      expect(await greeter.greet('berth')).toBe('Ahoy, berth!');
      await expect(greeter.greet('')).rejects.toMatchObject({ code: codes.INVALID_ARGUMENT });
    },
    SCAFFOLD_TIMEOUT_MS,
  );

  it('refuses a bad name and a folder in use, with their codes, writing nothing', async () => {
    const bad = await run(process.execPath, [berth, 'init', 'My_Plugin', '--no-install'], work);
    expect(bad.code).toBe(1);
    expect(bad.output).toContain(codes.MANIFEST_INVALID);
    expect(await readdir(work)).toEqual([]);

    await mkdir(join(work, 'taken'));
    await writeFile(join(work, 'taken', 'keep.txt'), 'mine');
    const taken = await run(process.execPath, [berth, 'init', 'taken', '--no-install'], work);
    expect(taken.code).toBe(1);
    expect(taken.output).toContain(codes.TARGET_NOT_EMPTY);
    expect(await readdir(join(work, 'taken'))).toEqual(['keep.txt']);

    const contract = await run(
      process.execPath,
      [berth, 'init', 'fine', '--contract', 'queue', '--no-install'],
      work,
    );
    expect(contract.code).toBe(1);
    expect(contract.output).toContain(codes.CONFIG_INVALID);
  });
});
