/**
 * A plugin whose main module will not import fails to start with BERTH_ERR_PLUGIN_LOAD and
 * a hint that names the real cause. Each case is real code in a temporary folder, loaded
 * by a real worker thread (vitest's own module loader would smooth over ESM/CJS mistakes).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codes, createHost, type PluginHost } from '../../src/index.js';

describe('a plugin whose main module will not import', () => {
  let dir: string;
  let host: PluginHost | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-load-'));
  });
  afterEach(async () => {
    await host?.close();
    host = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function lastError(type: 'module' | 'commonjs', code?: string): Promise<unknown> {
    const folder = join(dir, 'plugins', 'broken');
    await mkdir(join(folder, 'dist'), { recursive: true });
    await writeFile(join(dir, 'package.json'), JSON.stringify({ type }));
    await writeFile(
      join(folder, 'plugin.json'),
      JSON.stringify({
        name: 'broken',
        version: '1.0.0',
        engines: { berth: '>=0.1.0' },
        main: 'dist/index.js',
        services: [{ name: 'svc', contract: 'svc@1' }],
      }),
    );
    if (code !== undefined) await writeFile(join(folder, 'dist', 'index.js'), code);
    host = createHost({
      plugins: [join(dir, 'plugins')],
      dataDir: join(dir, 'data'),
      isolation: 'thread',
      logger: pino({ level: 'silent' }),
    });
    await host.start();
    // A main module that is not there at all is found before any worker starts.
    return host.plugins()[0]?.lastError ?? host.problems()[0]?.error;
  }

  it.each([
    ['a missing build', 'module', undefined, /build/i],
    [
      'an import of a package that is not installed',
      'module',
      "import 'no-such-package-here';\nexport default 1;\n",
      /imports the package "no-such-package-here".*npm install no-such-package-here/,
    ],
    [
      'ES module code read as CommonJS',
      'commonjs',
      "import { join } from 'node:path';\nexport default join;\n",
      /ES module, but Node reads it as CommonJS: add "type": "module"/,
    ],
    [
      'CommonJS code read as an ES module',
      'module',
      "const path = require('node:path');\nmodule.exports = path;\n",
      /CommonJS, but Node reads it as an ES module/,
    ],
  ] as const)('names %s', async (_, type, code, hint) => {
    const error = (await lastError(type, code)) as { code: string; message: string };
    if (code !== undefined) expect(error.code).toBe(codes.PLUGIN_LOAD);
    expect(error.message).toMatch(hint);
  });
});
