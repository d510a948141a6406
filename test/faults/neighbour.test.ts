// The blast radius of a crash loop: its neighbour does not notice.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createHost, type PluginHost } from '../../src/index.js';
import type { Echo } from '../fixtures/plugins/echo/index.js';

const fixtures = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));

describe.each(['thread', 'process'] as const)('a crash-looping plugin (%s)', (isolation) => {
  let host: PluginHost | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    await host?.close();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it(
    'does not fail any of 10,000 and more calls to its healthy neighbour',
    { timeout: 60_000 },
    async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'berth-neighbour-'));
      host = createHost({
        plugins: [fixtures],
        enable: ['echo', 'crash-loop'],
        isolation,
        dataDir,
        logger: pino({ level: 'silent' }),
        restart: { initialDelayMs: 1, maxDelayMs: 5, jitter: 0, budget: 100_000 },
      });
      let crashes = 0;
      host.on('plugin:crashed', ({ plugin }: { plugin: string }) => {
        if (plugin === 'crash-loop') crashes += 1;
      });
      await host.start();
      const echo = host.service<Echo>('echo');
      let answered = 0;
      let next = 0;
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          // At least 10,000 calls, and on until the neighbour has crashed five times.
          while (next < 10_000 || crashes < 5) {
            const id = next++;
            // Slow the neighbour's calls a little, so the crash loop runs many times meanwhile.
            if (id % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
            if ((await echo.echo(id)) === id) answered += 1;
          }
        }),
      );
      expect(answered).toBe(next);
      expect(answered).toBeGreaterThanOrEqual(10_000);
      expect(crashes).toBeGreaterThanOrEqual(5);
      expect(host.plugins().find((p) => p.name === 'echo')).toMatchObject({
        state: 'running',
        restarts: 0,
      });
    },
  );
});
