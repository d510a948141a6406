import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_SERVICE_CONFIG, startService } from '../../src/service/index.js';

// The CLI runs from the build, as users run it; `npm test` builds first.
const root = fileURLToPath(new URL('../../', import.meta.url));
const berth = join(root, 'dist/src/cli/main.js');
const run = promisify(execFile);

async function cli(
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [berth, ...args], {
      cwd,
      env: { ...process.env, BERTH_PLUGINS: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('the berth command', () => {
  let cwd: string;
  beforeEach(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'berth-cli-'));
  });
  afterEach(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('prints help for every command', async () => {
    for (const args of [
      ['--help'],
      ['demo', '--help'],
      ['plugins', '--help'],
      ['plugins', 'list', '--help'],
    ]) {
      const { code, stdout } = await cli(args, cwd);
      expect(code).toBe(0);
      expect(stdout).toContain('Usage: berth');
    }
  });

  it('lists plugins from repeated --plugins flags and reports a broken one with its code', async () => {
    const broken = join(cwd, 'more', 'broken');
    await mkdir(broken, { recursive: true });
    await writeFile(join(broken, 'plugin.json'), '{ "name": "broken", ');
    const { code, stdout } = await cli(
      ['plugins', 'list', '--plugins', join(root, 'plugins'), '--plugins', join(cwd, 'more')],
      cwd,
    );
    expect(code).toBe(1);
    expect(stdout).toContain('memory-storage@');
    expect(stdout).toContain('BERTH_ERR_MANIFEST_PARSE');
  });

  it('lists two versions of a plugin in two folders as versions of one plugin', async () => {
    for (const version of ['1.0.0', '1.1.0']) {
      const dir = join(cwd, `v${version}`, 'echo');
      await mkdir(dir, { recursive: true });
      const manifest = JSON.parse(
        await readFile(join(root, 'test/fixtures/plugins/echo/plugin.json'), 'utf8'),
      ) as Record<string, unknown>;
      await writeFile(join(dir, 'plugin.json'), JSON.stringify({ ...manifest, version }));
      await writeFile(join(dir, 'index.js'), '');
    }
    const args = [
      'plugins',
      'list',
      '--plugins',
      join(cwd, 'v1.0.0'),
      '--plugins',
      join(cwd, 'v1.1.0'),
    ];
    const { code, stdout } = await cli(args, cwd);
    expect(code, stdout).toBe(0);
    expect(stdout).not.toContain('BERTH_ERR_PLUGIN_DUPLICATE');
    expect(stdout).toContain('echo@1.1.0');
    expect(stdout).toContain('also 1.0.0; the newest runs');
    // The bundled plugins are listed too, as berth serve finds them.
    expect(stdout).toContain('sqlite-storage@');
    const alone = await cli([...args, '--no-bundled-plugins'], cwd);
    expect(alone.stdout).not.toContain('sqlite-storage@');
  });

  it('says in --help what --plugins adds to, with no default list', async () => {
    for (const command of ['serve', 'demo']) {
      // commander wraps the lines at its own width.
      const help = (await cli([command, '--help'], cwd)).stdout.replace(/\s+/g, ' ');
      expect(help).not.toContain('(default: [])');
      expect(help).toContain('added to the bundled plugins');
      expect(help).toContain('--no-bundled-plugins');
    }
  });

  it('validates a plugin folder, and names the field of a bad manifest', async () => {
    const good = await cli(['plugins', 'validate', join(root, 'plugins', 'memory-storage')], cwd);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('memory-storage');
    await writeFile(
      join(cwd, 'plugin.json'),
      JSON.stringify({
        name: 'x',
        version: '1',
        engines: { berth: '*' },
        main: 'i.js',
        services: [],
      }),
    );
    const bad = await cli(['plugins', 'validate', cwd], cwd);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('BERTH_ERR_MANIFEST_INVALID');
    expect(bad.stderr).toContain('version');
  });

  it('runs the demo against the bundled memory-storage plugin in a worker thread', async () => {
    const { code, stdout } = await cli(
      [
        'demo',
        '--plugins',
        join(root, 'plugins'),
        '--data-dir',
        join(cwd, 'data'),
        '--log-level',
        'warn',
      ],
      cwd,
    );
    expect(code).toBe(0);
    expect(stdout).toContain('memory-storage@0.1.0: running (thread)');
    expect(stdout).toContain('found: api, worker');
    expect(stdout).toContain('refused with BERTH_ERR_REVISION_CONFLICT');
    expect(stdout).toContain('left: api, web');
  });

  it('shows and restarts the plugins of a running service, with the admin token', async () => {
    const service = await startService(
      {
        ...DEFAULT_SERVICE_CONFIG,
        port: 0,
        dataDir: join(cwd, 'data'),
        plugins: [join(root, 'plugins')],
        storage: { name: 'memory-storage', config: {} },
        adminToken: 'letmein',
      },
      pino({ level: 'silent' }),
    );
    try {
      const status = await cli(['plugins', 'status', '--url', service.url], cwd);
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(/memory-storage@0\.1\.0 {2}running {2}restarts 0/);
      const refused = await cli(
        ['plugins', 'restart', 'memory-storage', '--url', service.url, '--token', 'wrong'],
        cwd,
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('BERTH_ERR_UNAUTHORIZED');
      const restarted = await cli(
        ['plugins', 'restart', 'memory-storage', '--url', service.url, '--token', 'letmein'],
        cwd,
      );
      expect(restarted.code).toBe(0);
      expect(restarted.stdout).toContain('memory-storage: running, restarts 1');
    } finally {
      await service.close();
    }
  });
});
