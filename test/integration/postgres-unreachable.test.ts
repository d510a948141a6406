// `berth serve` on postgres-storage when PostgreSQL goes away and comes back. The
// database is reached through a TCP relay that the test closes: new connections are then
// refused, exactly as from a database that is down. Requests must get 503 with
// Retry-After and BERTH_ERR_BACKEND_UNAVAILABLE from the first failure, never the
// database's address; /readyz must say not ready; the worker must not be restarted.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { codes } from '../../src/index.js';
import {
  DEFAULT_SERVICE_CONFIG,
  startService,
  type RunningService,
} from '../../src/service/index.js';
import {
  databaseUrl,
  dropSchema,
  uniqueSchema,
} from '../../plugins/postgres-storage/test/test-database.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A TCP relay to the test database that can be closed (refusing) and opened again. */
interface Relay {
  readonly port: number;
  /** Stops listening and cuts every relayed connection. */
  close(): Promise<void>;
  /** Listens again on the same port. */
  open(): Promise<void>;
}

async function startRelay(): Promise<Relay> {
  const target = new URL(databaseUrl);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const open = async (): Promise<void> => {
    const listening = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => listening.listen(port, '127.0.0.1', resolve));
    port = (listening.address() as { port: number }).port;
    server = listening;
  };
  await open();
  return {
    get port() {
      return port;
    },
    async close() {
      const closing = server;
      server = undefined;
      if (closing === undefined) return;
      const closed = new Promise<void>((resolve) => closing.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    open,
  };
}

describe('the service on postgres-storage when the database goes away', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('answers 503 BERTH_ERR_BACKEND_UNAVAILABLE without the address, is not ready, keeps its worker, and recovers', async () => {
    const relay = await startRelay();
    cleanups.push(() => relay.close());
    const schema = uniqueSchema();
    cleanups.push(() => dropSchema(schema));
    const dataDir = await mkdtemp(join(tmpdir(), 'berth-pg-away-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const relayed = new URL(databaseUrl);
    relayed.hostname = '127.0.0.1';
    relayed.port = String(relay.port);
    const service: RunningService = await startService(
      {
        ...DEFAULT_SERVICE_CONFIG,
        port: 0,
        dataDir,
        plugins: [join(root, 'plugins')],
        storage: {
          name: 'postgres-storage',
          config: { connectionString: relayed.href, schema, poolSize: 2, connectTimeoutMs: 1_000 },
        },
      },
      pino({ level: 'silent' }),
    );
    cleanups.push(() => service.close());
    const { url } = service;
    const resource = `${url}/v1/resources/c1/apps/v1/deployments/default/web`;
    const body = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
    };
    const put = await fetch(resource, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(put.status).toBeLessThan(300);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    await relay.close();
    for (let n = 0; n < 3; n += 1) {
      const away = await fetch(resource);
      expect(away.status).toBe(503);
      expect(away.headers.get('retry-after')).not.toBeNull();
      const answer = (await away.json()) as { code: string; message: string };
      expect(answer.code).toBe(codes.BACKEND_UNAVAILABLE);
      expect(answer.message).not.toContain(String(relay.port));
      expect(answer.message).not.toContain('127.0.0.1');
    }
    const notReady = await fetch(`${url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ ready: false, state: 'running' });

    // While it is away, health is checked every second and says "not ready", never
    // "failed": three failed checks in a row would restart the worker.
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    const plugin = (await (await fetch(`${url}/v1/plugins/postgres-storage`)).json()) as {
      state: string;
      restarts: number;
      ready: boolean;
    };
    expect(plugin).toMatchObject({ state: 'running', restarts: 0, ready: false });

    await relay.open();
    await expect
      .poll(async () => (await fetch(`${url}/readyz`)).status, { timeout: 5_000 })
      .toBe(200);
    expect((await fetch(resource)).status).toBe(200);
  });
});
