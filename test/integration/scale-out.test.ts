// Scaling out: two `berth serve` processes on one PostgreSQL database serve one store.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  databaseUrl,
  dropSchema,
  uniqueSchema,
} from '../../plugins/postgres-storage/test/test-database.js';

// The CLI runs from the build, as users run it; `npm test` builds first.
const root = fileURLToPath(new URL('../../', import.meta.url));
const berth = join(root, 'dist/src/cli/main.js');

interface Served {
  url: string;
  child: ChildProcess;
}

/** Starts `berth serve` on a free port and resolves with the URL it prints. */
function serve(schema: string, dataDir: string): Promise<Served> {
  const child = spawn(
    process.execPath,
    [
      berth,
      'serve',
      '--port',
      '0',
      '--plugins',
      join(root, 'plugins'),
      '--data-dir',
      dataDir,
      '--storage-name',
      'postgres-storage',
      '--storage-config',
      JSON.stringify({ schema }),
    ],
    {
      env: { ...process.env, DATABASE_URL: databaseUrl, BERTH_PLUGINS: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const record = JSON.parse(line) as { url?: string; msg?: string };
      if (record.url !== undefined && record.msg?.startsWith('berth serving'))
        resolve({ url: record.url, child });
    });
    child.once('exit', (code) =>
      reject(new Error(`berth serve exited with ${code} before listening`)),
    );
  });
}

function stop(served: Served): Promise<number | null> {
  return new Promise((resolve) => {
    served.child.once('exit', (code) => resolve(code));
    served.child.kill('SIGTERM');
  });
}

describe('two berth serve processes on one PostgreSQL', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it(
    'read through one what was written through the other, and shut down cleanly on SIGTERM',
    { timeout: 60_000 },
    async () => {
      const schema = uniqueSchema();
      cleanups.push(() => dropSchema(schema));
      const dirs = await Promise.all([1, 2].map(() => mkdtemp(join(tmpdir(), 'berth-scale-'))));
      cleanups.push(() =>
        Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))),
      );
      const [a, b] = await Promise.all(dirs.map((dir) => serve(schema, dir)));
      if (a === undefined || b === undefined) throw new Error('both services must start');
      cleanups.push(async () => {
        a.child.kill('SIGKILL');
        b.child.kill('SIGKILL');
      });

      const path = '/v1/resources/c1/apps/v1/deployments/default';
      for (let i = 0; i < 20; i += 1) {
        const through = i % 2 === 0 ? a : b;
        const put = await fetch(`${through.url}${path}/web-${i}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            metadata: { name: `web-${i}`, labels: { writer: through === a ? 'a' : 'b' } },
          }),
        });
        expect(put.status).toBe(201);
      }
      const fromB = (await (
        await fetch(`${b.url}/v1/resources/c1/apps/v1/deployments?labelSelector=writer%3Da`)
      ).json()) as { items: unknown[] };
      const fromA = (await (
        await fetch(`${a.url}/v1/resources/c1/apps/v1/deployments?labelSelector=writer%3Db`)
      ).json()) as { items: unknown[] };
      expect(fromB.items).toHaveLength(10);
      expect(fromA.items).toHaveLength(10);
      const one = await fetch(`${b.url}${path}/web-0`);
      expect(await one.json()).toEqual({ metadata: { name: 'web-0', labels: { writer: 'a' } } });
      expect(await stop(a)).toBe(0);
      expect(await stop(b)).toBe(0);
    },
  );
});
