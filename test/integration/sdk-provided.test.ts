/**
 * The host provides the SDK: a plugin folder copied where no `node_modules/berth` can be
 * found (a temporary folder outside the repository, with a package.json that makes its
 * JavaScript an ES module) still loads, in a worker thread and in a pool, because the
 * worker answers `berth/sdk` with the host's own SDK.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHost, type PluginHost } from '../../src/index.js';
import type { Echo } from '../fixtures/plugins/echo/index.js';

const fixture = fileURLToPath(new URL('../fixtures/plugins/echo/', import.meta.url));

describe('a plugin with no node_modules of its own', () => {
  let dir: string;
  let host: PluginHost | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-sdk-provided-'));
    await cp(fixture, join(dir, 'plugins', 'echo'), { recursive: true });
    await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  });
  afterEach(async () => {
    await host?.close();
    host = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('cannot resolve berth/sdk by itself there', () => {
    const require = createRequire(join(dir, 'plugins', 'echo', 'index.js'));
    expect(() => require.resolve('berth/sdk')).toThrow(/berth/);
  });

  it.each(['thread', 'pool'] as const)('loads and answers in %s isolation', async (isolation) => {
    host = createHost({
      plugins: [join(dir, 'plugins')],
      dataDir: join(dir, 'data'),
      isolation,
      logger: pino({ level: 'silent' }),
    });
    await host.start();
    expect(host.plugins()).toMatchObject([{ name: 'echo', state: 'running', isolation }]);
    expect(await host.service<Echo>('echo').echo('hi')).toBe('hi');
  });
});
