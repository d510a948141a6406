// `berth serve` on its default storage (sqlite-storage in a worker thread) under a mixed
// load of writes and reads while an operator fires ten restarts at once, twice: every
// request ends well inside its deadline, none is a 500, and every acknowledged write
// reads back afterwards.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_SERVICE_CONFIG,
  startService,
  type RunningService,
} from '../../src/service/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** The host's call deadline; the slowest request must stay far inside it. */
const DEADLINE_MS = 30_000;

interface Outcome {
  status: number;
  ms: number;
  retryAfter: string | null;
}

describe('restarts under load', () => {
  let dataDir: string;
  let service: RunningService | undefined;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'berth-restarts-'));
  });
  afterEach(async () => {
    await service?.close();
    service = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it(
    'ends every request in time, answers no 500, and loses no acknowledged write',
    { timeout: 90_000 },
    async () => {
      service = await startService(
        { ...DEFAULT_SERVICE_CONFIG, port: 0, dataDir, plugins: [join(root, 'plugins')] },
        pino({ level: 'silent' }),
      );
      const { url, adminToken } = service;
      const outcomes: Outcome[] = [];
      const acknowledged = new Map<string, number>();
      const timed = async (path: string, init?: RequestInit): Promise<Response> => {
        const began = performance.now();
        const response = await fetch(`${url}${path}`, init);
        outcomes.push({
          status: response.status,
          ms: performance.now() - began,
          retryAfter: response.headers.get('retry-after'),
        });
        return response;
      };

      let stop = false;
      const writer = async (id: number): Promise<void> => {
        for (let i = 0; !stop; i += 1) {
          const name = `w${id}-${i}`;
          const body = JSON.stringify({ metadata: { name, labels: { writer: String(id) } }, i });
          const response = await timed(`/v1/resources/c/apps/v1/things/default/${name}`, {
            method: 'PUT',
            headers: { 'content-type': 'application/json' },
            body,
          });
          if (response.ok) acknowledged.set(name, i);
          await response.arrayBuffer();
        }
      };
      const reader = async (): Promise<void> => {
        while (!stop) {
          const response = await timed('/v1/resources/c/apps/v1/things?limit=50');
          await response.arrayBuffer();
        }
      };
      const restarts = async (): Promise<number[]> => {
        const statuses = await Promise.all(
          Array.from({ length: 10 }, async () => {
            const response = await fetch(`${url}/v1/plugins/sqlite-storage/restart`, {
              method: 'POST',
              headers: {
                authorization: `Bearer ${adminToken}`,
                'content-type': 'application/json',
              },
              body: '{}',
            });
            await response.arrayBuffer();
            return response.status;
          }),
        );
        return statuses;
      };

      const load = [...Array.from({ length: 6 }, (_, id) => writer(id)), reader(), reader()];
      await new Promise((resolve) => setTimeout(resolve, 300));
      const first = await restarts();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const second = await restarts();
      await new Promise((resolve) => setTimeout(resolve, 300));
      stop = true;
      await Promise.all(load);

      expect([...first, ...second].every((status) => status === 200)).toBe(true);
      expect(outcomes.length).toBeGreaterThan(50);
      expect(outcomes.filter((o) => o.status >= 500 && o.status !== 503)).toEqual([]);
      // A 503 is allowed while the worker changes, and then says when to come back.
      expect(outcomes.filter((o) => o.status === 503 && o.retryAfter === null)).toEqual([]);
      const slowest = Math.max(...outcomes.map((o) => o.ms));
      expect(slowest).toBeLessThan(DEADLINE_MS / 3);

      for (const [name, i] of acknowledged) {
        const response = await fetch(`${url}/v1/resources/c/apps/v1/things/default/${name}`);
        expect(response.status, name).toBe(200);
        expect(((await response.json()) as { i: number }).i).toBe(i);
      }
      const plugin = service.host.plugins().find((p) => p.name === 'sqlite-storage');
      expect(plugin).toMatchObject({ state: 'running', enabled: true });
    },
  );
});
