// A host embedded in an application, made without a logger, stays out of the
// application's output: its start, its calls and its close print nothing at info, and a
// plugin that fails is still told, on stderr. A real application in a child process.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = join(root, 'test/fixtures/plugins');
// The application imports the build, as an application would import the package.
const berth = pathToFileURL(join(root, 'dist/src/index.js')).href;
const run = promisify(execFile);

const application = (plugins: string[], logger: string): string => `
import { createHost, createLogger } from ${JSON.stringify(berth)};
void createLogger;
const host = createHost({
  plugins: ${JSON.stringify(plugins)},
  dataDir: 'data',
  ${logger}
});
await host.start();
console.log('app:', await host.service('echo/echo').echo('hi'));
await host.close();
`;

describe('an embedded host', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-embedded-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function runApp(plugins: string[], logger = ''): Promise<Record<string, string>> {
    await writeFile(join(dir, 'app.mjs'), application(plugins, logger));
    const { stdout, stderr } = await run(process.execPath, ['app.mjs'], {
      cwd: dir,
      env: { ...process.env, BERTH_PLUGINS: '' },
    });
    return { stdout, stderr };
  }

  it('logs nothing at info without a logger: the output is the application’s own', async () => {
    const { stdout, stderr } = await runApp([join(fixtures, 'echo')]);
    expect(stdout).toBe('app: hi\n');
    expect(stderr).toBe('');
  });

  it('still tells a plugin that fails to start, on stderr', async () => {
    const { stdout, stderr } = await runApp([
      join(fixtures, 'echo'),
      join(fixtures, 'not-branded'),
    ]);
    expect(stdout).toBe('app: hi\n');
    expect(stderr).toContain('BERTH_ERR_PLUGIN_NOT_BRANDED');
  });

  it('logs at info to stdout when the application passes createLogger()', async () => {
    const { stdout } = await runApp([join(fixtures, 'echo')], `logger: createLogger(),`);
    expect(stdout).toContain('found 1 plugin(s), starting 1: echo');
    expect(stdout).toContain('app: hi\n');
  });
});
