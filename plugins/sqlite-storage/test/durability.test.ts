/**
 * Durability: every put the service acknowledged is in the database after the process
 * that made it is killed (SIGKILL, mid-burst), and after its worker is replaced mid-burst.
 * With `synchronous = FULL` (the default) SQLite has written and synced the WAL before a
 * put resolves; a process kill does not even need that, since the OS keeps the pages.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createHost } from '../../../src/index.js';
import type { PluginHost } from '../../../src/index.js';
import type { StorageLayer } from '../../../src/contracts/storage.js';

const pluginDir = fileURLToPath(new URL('../', import.meta.url));
const writerScript = fileURLToPath(new URL('./burst-writer.mjs', import.meta.url));
/** How many acknowledged puts the test waits for before it kills the writer. */
const ACKS_BEFORE_KILL = 300;

describe('sqlite-storage durability', () => {
  const hosts: PluginHost[] = [];
  const children: ChildProcess[] = [];
  let dataDir = '';
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await Promise.all(hosts.splice(0).map((host) => host.close()));
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
    dataDir = '';
  });

  const startHost = async (): Promise<StorageLayer> => {
    const host = createHost({
      plugins: [pluginDir],
      isolation: 'thread',
      dataDir,
      logger: pino({ level: 'silent' }),
    });
    hosts.push(host);
    await host.start();
    return host.service<StorageLayer>('storage');
  };

  const expectAllPresent = async (
    storage: StorageLayer,
    acks: ReadonlyMap<string, number>,
  ): Promise<void> => {
    const found = await storage.list({ cluster: 'c', type: 't' });
    const stored = new Map(found.items.map((item) => [item.name, item.revision]));
    const missing = [...acks].filter(([name, revision]) => stored.get(name) !== revision);
    expect(missing).toEqual([]);
  };

  it('keeps every acknowledged put when the host process is SIGKILLed mid-burst', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'berth-sqlite-durability-'));
    const child = spawn(process.execPath, [writerScript, pluginDir, dataDir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    const acks = new Map<string, number>();
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code, signal) =>
        reject(new Error(`the writer exited early (${code ?? signal})`)),
      );
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n');
        // The last element is an incomplete line (or ''): keep it for the next chunk.
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          const [name, revision] = line.split(' ');
          if (name !== undefined && revision !== undefined) acks.set(name, Number(revision));
        }
        if (acks.size >= ACKS_BEFORE_KILL && child.signalCode === null) {
          // Killed while puts are in flight: the writer keeps eight going at all times.
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    child.removeAllListeners('exit');
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    expect(child.signalCode).toBe('SIGKILL');

    const storage = await startHost();
    await expectAllPresent(storage, acks);
    // The counter never goes back: the next revision is above every acknowledged one.
    const { revision } = await storage.put({
      cluster: 'c',
      type: 't',
      namespace: '',
      name: 'after',
      body: new Uint8Array(),
    });
    expect(revision).toBeGreaterThan(Math.max(...acks.values()));
  });

  it('keeps every acknowledged put when the worker is restarted mid-burst', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'berth-sqlite-durability-'));
    const storage = await startHost();
    const host = hosts[0];
    if (host === undefined) throw new Error('no host');
    const acks = new Map<string, number>();
    let stop = false;
    let next = 0;
    const writer = async (): Promise<void> => {
      while (!stop) {
        const name = `burst-${next++}`;
        const result = await storage
          .put({ cluster: 'c', type: 't', namespace: '', name, body: new Uint8Array(4) })
          .catch((error: unknown) => error);
        if ('revision' in (result as object))
          acks.set(name, (result as { revision: number }).revision);
      }
    };
    const writers = Array.from({ length: 8 }, writer);
    while (acks.size < 100) await new Promise((resolve) => setTimeout(resolve, 5));
    await host.restart('sqlite-storage');
    const before = acks.size;
    while (acks.size < before + 100) await new Promise((resolve) => setTimeout(resolve, 5));
    stop = true;
    await Promise.all(writers);
    await expectAllPresent(storage, acks);
  });
});
