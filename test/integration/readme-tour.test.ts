/**
 * The README's five-minute tour, followed as a new user would, in a temporary folder
 * outside the repository: the plugin's files are the README's own code blocks, Berth is
 * the package `npm pack` makes, and every command is the README's.
 *
 * Three steps differ, on purpose:
 * - `npm install "$TARBALL" typescript` is done by unpacking the tarball into
 *   node_modules/berth and linking the dependencies this repository has already installed
 *   (same lockfile), with the `berth` and `tsc` bins linked as npm links them. A real
 *   install takes minutes and compiles better-sqlite3; what it would place is what is
 *   unpacked here.
 * - `berth serve` listens on port 0, so the test never collides with another server.
 * - the test waits for the "berth serving on" line before it asks, as the README says to.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endBerth, runCommand, servingUrl, type BerthProcess } from '../support/berth-process.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

/** The README's code block after each line that names a file (`path`:). */
function readmeFiles(readme: string): Map<string, string> {
  const files = new Map<string, string>();
  const pattern = /`([\w./-]+\.(?:json|ts|js))`:\n\n```\w*\n([\s\S]*?)```/g;
  for (const [, path, text] of readme.matchAll(pattern)) {
    if (path !== undefined && text !== undefined) files.set(path, text);
  }
  return files;
}

describe("the README's tour, outside the repository", () => {
  let app: string;
  let served: BerthProcess | undefined;
  const env = { ...process.env, BERTH_WORKERS: undefined, NODE_OPTIONS: undefined };
  const npx = (args: string[]) => run('npx', ['--no-install', ...args], { cwd: app, env });

  beforeAll(async () => {
    app = await mkdtemp(join(tmpdir(), 'greeter-app-'));
    // `npm pack` (dist is built by the test setup), then the install described above.
    const packed = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', app], {
      cwd: root,
    });
    const tarball = join(app, packed.stdout.trim().split('\n').at(-1) ?? '');
    const installed = join(app, 'node_modules', 'berth');
    await mkdir(installed, { recursive: true });
    await run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
    await symlink(join(root, 'node_modules'), join(installed, 'node_modules'), 'dir');
    await symlink(
      join(root, 'node_modules', 'typescript'),
      join(app, 'node_modules', 'typescript'),
    );
    await mkdir(join(app, 'node_modules', '.bin'));
    await symlink('../berth/dist/src/cli/main.js', join(app, 'node_modules', '.bin', 'berth'));
    await symlink('../typescript/bin/tsc', join(app, 'node_modules', '.bin', 'tsc'));
    // npm init -y && npm pkg set type=module
    await run('npm', ['init', '-y'], { cwd: app });
    await run('npm', ['pkg', 'set', 'type=module'], { cwd: app });
    for (const [path, text] of readmeFiles(await readFile(join(root, 'README.md'), 'utf8'))) {
      await mkdir(dirname(join(app, path)), { recursive: true });
      await writeFile(join(app, path), text);
    }
  }, 60_000);
  afterAll(async () => {
    await endBerth(served);
    await rm(app, { recursive: true, force: true });
  });

  it('shows every file the tour needs', async () => {
    const files = readmeFiles(await readFile(join(root, 'README.md'), 'utf8'));
    expect([...files.keys()].sort()).toEqual([
      'greet.js',
      'plugins/greeter/plugin.json',
      'plugins/greeter/src/index.ts',
      'plugins/greeter/tsconfig.json',
    ]);
  });

  it('runs npx berth from the project', async () => {
    expect((await npx(['berth', '--help'])).stdout).toMatch(/Usage: berth/);
  });

  it('builds the greeter, which validates and loads in a worker thread', async () => {
    await npx(['tsc', '-p', 'plugins/greeter']);
    const validated = await npx(['berth', 'plugins', 'validate', 'plugins/greeter']);
    expect(validated.stdout).toMatch(/greeter@1\.0\.0: plugin\.json is valid/);
    expect(validated.stdout).toMatch(/loads and starts in a worker thread/);
    const listed = await npx(['berth', 'plugins', 'list']);
    expect(listed.stdout).toMatch(/greeter@1\.0\.0/);
  }, 60_000);

  it('calls it from a script: "Hello, world!" and no log lines on stdout', async () => {
    const { stdout } = await run(process.execPath, ['greet.js'], { cwd: app, env });
    expect(stdout).toBe('Hello, world!\n');
  }, 30_000);

  it('serves it: berth serve starts the greeter beside its storage plugin', async () => {
    served = runCommand('npx', ['--no-install', 'berth', 'serve', '--port', '0'], app, env);
    const url = await servingUrl(served);
    expect(url, served.output()).toBeDefined();
    const answer = (await (await fetch(`${url}/v1/plugins`)).json()) as {
      plugins: { name: string; state: string }[];
    };
    expect(answer.plugins).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'greeter', state: 'running' }),
        expect.objectContaining({ name: 'sqlite-storage', state: 'running' }),
      ]),
    );
  }, 60_000);
});
