// `berth serve --dev`, run as users run it (the built CLI in a child process): plugins run
// inline, so a debugger's breakpoints bind, and logs are pretty lines, not JSON.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codes } from '../../src/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const berth = join(root, 'dist/src/cli/main.js');

interface Served {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function serve(args: string[], cwd: string): Served {
  const env: NodeJS.ProcessEnv = { ...process.env, BERTH_PLUGINS: '' };
  delete env['BERTH_MODE'];
  const child = spawn(process.execPath, [berth, 'serve', ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, output: () => output, exited };
}

/** The service's URL, from its "berth serving on" log line; undefined if it exits first. */
async function servingUrl(served: Served): Promise<string | undefined> {
  let exited = false;
  void served.exited.then(() => (exited = true));
  for (;;) {
    const found = /berth serving on (http:\/\/[\d.]+:\d+)/.exec(served.output());
    if (found !== null) return found[1];
    if (exited) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('berth serve --dev', () => {
  let cwd: string;
  let served: Served | undefined;
  beforeEach(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'berth-serve-dev-'));
  });
  afterEach(async () => {
    if (served !== undefined && served.child.exitCode === null) {
      served.child.kill('SIGTERM');
      await served.exited;
    }
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
