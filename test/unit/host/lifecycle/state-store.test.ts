import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codes } from '../../../../src/errors.js';
import { createStateStore, STATE_FILE } from '../../../../src/host/lifecycle/state-store.js';

const root = fileURLToPath(new URL('../../../..', import.meta.url));
const storeModule = new URL('../../../../src/host/lifecycle/state-store.js', import.meta.url).href;

describe('the lifecycle state store', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'berth-state-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('reads a missing file as an empty state', async () => {
    const store = createStateStore(join(dataDir, 'not-yet'));
    await store.load();
    expect(store.names()).toEqual([]);
    expect(store.get('echo')).toBeUndefined();
  });

  it('keeps changes across instances, and forgets a plugin when told', async () => {
    const first = createStateStore(dataDir);
    await first.load();
    await first.update('echo', (s) => ({
      ...s,
      installed: [{ version: '1.0.0', dir: '/srv/echo' }],
      active: '1.0.0',
      enabled: false,
      config: { echo: { greeting: 'hi' } },
    }));
    await first.update('other', (s) => ({ ...s, enabled: true }));
    const second = createStateStore(dataDir);
    await second.load();
    expect(second.names()).toEqual(['echo', 'other']);
    expect(second.get('echo')).toEqual({
      installed: [{ version: '1.0.0', dir: '/srv/echo' }],
      active: '1.0.0',
      enabled: false,
      config: { echo: { greeting: 'hi' } },
    });
    await second.update('other', () => undefined);
    const third = createStateStore(dataDir);
    await third.load();
    expect(third.names()).toEqual(['echo']);
  });

  it('runs concurrent changes one after the other, none lost', async () => {
    const store = createStateStore(dataDir);
    await store.load();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.update('echo', (s) => ({ ...s, config: { ...s.config, [`s${i}`]: { i } } })),
      ),
    );
    const again = createStateStore(dataDir);
    await again.load();
    expect(Object.keys(again.get('echo')?.config ?? {})).toHaveLength(20);
  });

  it('hands out copies: changing one does not change the store', async () => {
    const store = createStateStore(dataDir);
    await store.load();
    await store.update('echo', (s) => ({ ...s, config: { echo: { a: 1 } } }));
    const copy = store.get('echo');
    if (copy !== undefined) copy.config['echo'] = { a: 2 };
    expect(store.get('echo')?.config).toEqual({ echo: { a: 1 } });
  });

  it('changes nothing when a write fails', async () => {
    const blocked = join(dataDir, 'a-file');
    await writeFile(blocked, 'not a folder');
    const store = createStateStore(join(blocked, 'data'));
    await store.load().catch(() => {});
    await expect(store.update('echo', (s) => ({ ...s, enabled: false }))).rejects.toThrow();
    expect(store.get('echo')).toBeUndefined();
    // The queue goes on after a failure.
    await expect(store.update('echo', (s) => s)).rejects.toThrow();
  });

  it.each([
    ['not JSON', '{ "format": 1, '],
    ['another format', '{ "format": 2, "plugins": {} }'],
    ['a bad entry', '{ "format": 1, "plugins": { "echo": { "installed": "x", "config": {} } } }'],
    ['bad config', '{ "format": 1, "plugins": { "echo": { "installed": [], "config": [] } } }'],
  ])('refuses a state file with %s, naming the file', async (_what, content) => {
    await writeFile(join(dataDir, STATE_FILE), content);
    const store = createStateStore(dataDir);
    await expect(store.load()).rejects.toMatchObject({
      code: codes.STATE_INVALID,
      data: { file: join(dataDir, STATE_FILE) },
    });
  });

  it('leaves the previous file whole when the process dies in the middle of a write', async () => {
    const store = createStateStore(dataDir);
    await store.load();
    await store.update('echo', (s) => ({ ...s, enabled: true, config: { echo: { v: 1 } } }));
    const before = await readFile(join(dataDir, STATE_FILE), 'utf8');

    // A child process makes a big change and is killed (SIGKILL, no cleanup) after half of
    // the new content has reached the disk.
    const child = join(dataDir, 'crash-mid-write.mts');
    await writeFile(
      child,
      `import { open } from 'node:fs/promises';
import { createStateStore } from ${JSON.stringify(storeModule)};
const store = createStateStore(process.argv[2]);
await store.load();
const probe = await open(process.argv[1], 'r');
const FileHandle = Object.getPrototypeOf(probe);
await probe.close();
FileHandle.writeFile = async function (data) {
  const bytes = Buffer.from(data);
  await this.write(bytes.subarray(0, bytes.length >> 1));
  await this.sync();
  process.kill(process.pid, 'SIGKILL');
  await new Promise(() => {});
};
await store.update('echo', (s) => ({ ...s, config: { echo: { v: 2, pad: 'x'.repeat(200000) } } }));
`,
    );
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => {
      const run = execFile(process.execPath, ['--import', 'tsx', child, dataDir], { cwd: root });
      run.on('exit', (_code, killedBy) => resolve(killedBy));
    });
    expect(signal).toBe('SIGKILL');

    // The crash left a half-written temporary file beside the state file…
    const leftovers = (await readdir(dataDir)).filter((name) => name.endsWith('.tmp'));
    expect(leftovers).toHaveLength(1);
    const partial = await readFile(join(dataDir, leftovers[0] ?? ''), 'utf8');
    expect(() => JSON.parse(partial) as unknown).toThrow();
    // …and the state file itself is the previous one, whole.
    expect(await readFile(join(dataDir, STATE_FILE), 'utf8')).toBe(before);
    const after = createStateStore(dataDir);
    await after.load();
    expect(after.get('echo')?.config).toEqual({ echo: { v: 1 } });
  });
});
