// 100,000 calls while the plugin's worker is killed at random about every 1,000 calls:
// every call settles, resolved or rejected with a typed error, and none is left pending.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createHost, isBerthError, type PluginHost } from '../../src/index.js';
import type { Soak } from '../fixtures/plugins/soak/index.js';
import { seededRandom as seeded } from '../support/seeded-random.js';

const fixtures = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));
const CALLS = 100_000;
const WINDOW = 256;

describe.each(['thread', 'process'] as const)('a soak of crashes under load (%s)', (isolation) => {
  let host: PluginHost | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    await host?.close();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it(
    'settles every one of 100,000 calls while the worker is killed about every 1,000 calls',
    { timeout: 180_000 },
    async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'berth-soak-'));
      host = createHost({
        plugins: [fixtures],
        enable: ['soak'],
        isolation,
        dataDir,
        logger: pino({ level: 'silent' }),
        callTimeoutMs: 10_000,
        maxInFlight: 4_096,
        restart: { initialDelayMs: 1, maxDelayMs: 20, jitter: 0, budget: 10_000, windowMs: 60_000 },
      });
      await host.start();
      const soak = host.service<Soak>('soak');
      const random = seeded(42);
      const outcomes = { resolved: 0, rejected: new Map<string, number>(), untyped: 0, wrong: 0 };
      let crashes = 0;
      host.on('plugin:crashed', () => (crashes += 1));
      let next = 0;
      let settled = 0;
      const lane = async (): Promise<void> => {
        while (next < CALLS) {
          const id = next++;
          const call = random() < 1 / 1_000 ? soak.crash().then(() => id * 2) : soak.work(id);
          try {
            if ((await call) === id * 2) outcomes.resolved += 1;
            else outcomes.wrong += 1;
          } catch (error) {
            if (!isBerthError(error)) outcomes.untyped += 1;
            else outcomes.rejected.set(error.code, (outcomes.rejected.get(error.code) ?? 0) + 1);
          } finally {
            settled += 1;
          }
        }
      };
      await Promise.all(Array.from({ length: WINDOW }, lane));

      expect(settled).toBe(CALLS);
      expect(outcomes.untyped).toBe(0);
      expect(outcomes.wrong).toBe(0);
      expect(crashes).toBeGreaterThan(50);
      // Only the death of a worker may fail a call: nothing timed out, nothing was refused.
      expect([...outcomes.rejected.keys()].sort()).toEqual(['BERTH_ERR_PLUGIN_CRASHED']);
      // A crash takes the calls in flight with it (up to the window); the rest resolve.
      expect(outcomes.resolved + (outcomes.rejected.get('BERTH_ERR_PLUGIN_CRASHED') ?? 0)).toBe(
        CALLS,
      );
      expect(outcomes.resolved).toBeGreaterThan(CALLS / 2);
      expect(host.plugins()[0]).toMatchObject({ state: 'running', inFlight: 0 });
    },
  );
});
