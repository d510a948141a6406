// `npm start` as shipped: the built CLI's `serve` with nothing configured, in a folder of
// its own with a ./plugins directory, attacked from a web page and a local process.
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { endBerth, runBerth, servingUrl, type BerthProcess } from '../support/berth-process.js';
import { send } from './hostile-client.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** Runs the built CLI in `cwd` with no Berth variables set. */
function run(args: string[], cwd: string): BerthProcess {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('BERTH_')) env[key] = value;
  }
  env['BERTH_WORKERS'] = 'dist';
  return runBerth(args, cwd, env);
}

describe('a default npm start', () => {
  let cwd: string;
  let served: BerthProcess | undefined;
  beforeEach(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'berth-default-serve-'));
    await symlink(join(root, 'plugins'), join(cwd, 'plugins'));
  });
  afterEach(async () => {
    await endBerth(served);
    served = undefined;
    await rm(cwd, { recursive: true, force: true });
  });

  it(
    'refuses a cross-site POST, a foreign Host and an install from elsewhere',
    { timeout: 60_000 },
    async () => {
      served = run(['serve', '--port', '0'], cwd);
      const url = (await servingUrl(served)) ?? served.output();
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
      expect(crossSite).toMatchObject({ status: 403, json: { code: 'BERTH_ERR_FORBIDDEN' } });
      const rebound = await send(url, 'GET', '/v1/plugins', { host: `evil.example:${port}` });
      expect(rebound).toMatchObject({ status: 403, json: { code: 'BERTH_ERR_FORBIDDEN' } });
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
      expect(install).toMatchObject({ status: 403, json: { code: 'BERTH_ERR_FORBIDDEN' } });
      const anonymous = await send(
        url,
        'POST',
        '/v1/plugins/sqlite-storage/restart',
        {
          'content-type': 'application/json',
        },
        '{}',
      );
      expect(anonymous).toMatchObject({ status: 401, json: { code: 'BERTH_ERR_UNAUTHORIZED' } });

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
