// `npm start` as shipped: the built CLI's `serve` with nothing configured, in a folder of
// its own with a ./plugins directory, attacked from a web page and a local process.
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const berth = join(root, 'dist/src/cli/main.js');

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs the built CLI in `cwd` with no Berth variables set. */
function run(args: string[], cwd: string): Run {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('BERTH_')) env[key] = value;
  }
  env['BERTH_WORKERS'] = 'dist';
  const child = spawn(process.execPath, [berth, ...args], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, output: () => output, exited };
}

async function servingUrl(served: Run): Promise<string> {
  let exited = false;
  void served.exited.then(() => (exited = true));
  for (;;) {
    const found = /berth serving on (http:\/\/[\d.]+:\d+)/.exec(served.output());
    if (found?.[1] !== undefined) return found[1];
    if (exited) throw new Error(`berth serve exited:\n${served.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function send(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; code: unknown }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(new URL(path, url), { method, headers }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          code: (JSON.parse(text) as { code?: unknown }).code,
        }),
      );
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('a default npm start', () => {
  let cwd: string;
  let served: Run | undefined;
  beforeEach(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'berth-default-serve-'));
    await symlink(join(root, 'plugins'), join(cwd, 'plugins'));
  });
  afterEach(async () => {
    if (served !== undefined && served.child.exitCode === null) {
      served.child.kill('SIGTERM');
      await served.exited;
    }
    served = undefined;
    await rm(cwd, { recursive: true, force: true });
  });

  it(
    'refuses a cross-site POST, a foreign Host and an install from elsewhere',
    { timeout: 60_000 },
    async () => {
      served = run(['serve', '--port', '0'], cwd);
      const url = await servingUrl(served);
      const port = new URL(url).port;
      const token = (await readFile(join(cwd, 'data', 'admin-token'), 'utf8')).trim();

      const crossSite = await send(
        url,
        'POST',
        '/v1/plugins/sqlite-storage/disable',
        {
          'content-type': 'text/plain',
          origin: 'https://evil.example',
        },
        '{}',
      );
      expect(crossSite).toEqual({ status: 403, code: 'BERTH_ERR_FORBIDDEN' });
      const rebound = await send(url, 'GET', '/v1/plugins', { host: `evil.example:${port}` });
      expect(rebound).toEqual({ status: 403, code: 'BERTH_ERR_FORBIDDEN' });
      const install = await send(
        url,
        'POST',
        '/v1/plugins/install',
        {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
        },
        JSON.stringify({ dir: tmpdir() }),
      );
      expect(install).toEqual({ status: 403, code: 'BERTH_ERR_FORBIDDEN' });
      const anonymous = await send(
        url,
        'POST',
        '/v1/plugins/sqlite-storage/restart',
        {
          'content-type': 'application/json',
        },
        '{}',
      );
      expect(anonymous).toEqual({ status: 401, code: 'BERTH_ERR_UNAUTHORIZED' });

      // The operator's CLI, run in the same folder, finds the token on its own.
      const restart = run(['plugins', 'restart', 'sqlite-storage', '--url', url], cwd);
      expect(await restart.exited, restart.output()).toBe(0);
      expect(restart.output()).toContain('sqlite-storage: running, restarts 1');
    },
  );

  it('refuses to listen on every interface without a token the operator chose', async () => {
    served = run(['serve', '--port', '0', '--host', '0.0.0.0'], cwd);
    expect(await served.exited).toBe(1);
    expect(served.output()).toContain('BERTH_ADMIN_TOKEN');
  });
});
