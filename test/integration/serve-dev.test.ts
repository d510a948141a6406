// `berth serve --dev`, run as users run it (the built CLI in a child process): plugins run
// inline, so a debugger's breakpoints bind, and logs are pretty lines, not JSON.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codes } from '../../src/index.js';
import { endBerth, runBerth, servingUrl, type BerthProcess } from '../support/berth-process.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
function serve(args: string[], cwd: string): BerthProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, BERTH_PLUGINS: '' };
  delete env['BERTH_MODE'];
  return runBerth(['serve', ...args], cwd, env);
}

describe('berth serve --dev', () => {
  let cwd: string;
  let served: BerthProcess | undefined;
  beforeEach(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'berth-serve-dev-'));
  });
  afterEach(async () => {
    await endBerth(served);
    served = undefined;
    await rm(cwd, { recursive: true, force: true });
  });

  it('runs the storage plugin inline and logs pretty lines', async () => {
    served = serve(
      [
        '--dev',
        '--port',
        '0',
        '--plugins',
        join(root, 'plugins'),
        '--storage-name',
        'memory-storage',
        '--data-dir',
        join(cwd, 'data'),
      ],
      cwd,
    );
    const url = await servingUrl(served);
    expect(url, served.output()).toBeDefined();
    const plugin = (await (await fetch(`${url}/v1/plugins/memory-storage`)).json()) as {
      state: string;
      isolation: string;
    };
    expect(plugin).toMatchObject({ state: 'running', isolation: 'inline' });
    expect(served.output().trimStart().startsWith('{')).toBe(false);
    served.child.kill('SIGTERM');
    expect(await served.exited).toBe(0);
  });

  it('refuses --dev together with --mode production', async () => {
    served = serve(['--dev', '--mode', 'production', '--port', '0'], cwd);
    expect(await served.exited).toBe(1);
    expect(served.output()).toContain(codes.CONFIG_INVALID);
  });
});
