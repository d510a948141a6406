/**
 * Pool isolation through the real host: a piscina pool of two real worker threads, each
 * running its own instance of the `pool-faults` fixture. Start, calls, errors, live
 * config, health and stop, each checked against what thread isolation does.
 */
import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { codes, isBerthError } from '../../src/index.js';
import { timed } from '../faults/fault-host.js';
import { rejection } from '../support/rejection.js';
import { POOL_PLUGIN, POOL_THREADS, usePoolHosts } from './pool-host.js';

describe('pool isolation', () => {
  const start = usePoolHosts();

  it('starts the plugin once in every thread and spreads concurrent calls over them', async () => {
    const pool = await start();
    expect(pool.host.plugins().find((p) => p.name === POOL_PLUGIN)).toMatchObject({
      state: 'running',
      isolation: 'pool',
    });
    const faults = pool.faults();
    expect((await faults.lifecycle()).started).toHaveLength(POOL_THREADS);
    // Four calls that each hold a thread a while: the least busy thread takes each.
    const threads = await Promise.all([1, 2, 3, 4].map(() => faults.slow(200)));
    expect(new Set(threads).size).toBe(POOL_THREADS);
  });

  it('fails to start with BERTH_ERR_START_FAILED when onStart throws', async () => {
    const pool = await start({ config: { [POOL_PLUGIN]: { faults: { failStart: true } } } });
    expect(await pool.waitFor('plugin:failed')).toMatchObject({
      error: { code: codes.START_FAILED, plugin: POOL_PLUGIN, service: 'faults' },
    });
    expect(pool.host.plugins().find((p) => p.name === POOL_PLUGIN)).toMatchObject({
      state: 'failed',
      lastError: { code: codes.START_FAILED },
    });
    expect(await rejection(pool.faults().ping())).toMatchObject({ code: codes.PLUGIN_FAILED });
  });

  it('presents what a method throws as thread isolation does: code, message, data and cause', async () => {
    const pool = await start();
    const thread = await start({ isolation: 'thread' });
    for (const method of ['throwConflict', 'throwError'] as const) {
      const inPool = await rejection(pool.faults()[method]());
      const inThread = await rejection(thread.faults()[method]());
      expect(inPool).toMatchObject({ plugin: POOL_PLUGIN, service: 'faults', method });
      expect(inPool.code).toBe(inThread.code);
      expect(inPool.message).toBe(inThread.message);
      expect(inPool.data).toEqual(inThread.data);
      expect((inPool.cause as Error).name).toBe((inThread.cause as Error).name);
    }
    expect(await rejection(pool.faults().throwConflict())).toMatchObject({
      code: codes.REVISION_CONFLICT,
      data: { expected: 2, actual: 3 },
    });
    expect(await rejection(pool.faults().throwError())).toMatchObject({
      code: codes.PLUGIN_ERROR,
    });
  });

  it('carries arguments and results across the threads unchanged, bytes included', async () => {
    const pool = await start();
    const bytes = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7) & 0xff);
    const value = { name: 'web', labels: { app: 'web' }, list: [1, 'two', null], bytes };
    const echoed = (await pool.faults().echo(value)) as typeof value;
    expect(echoed).toMatchObject({ name: 'web', labels: { app: 'web' }, list: [1, 'two', null] });
    expect(echoed.bytes).toBeInstanceOf(Uint8Array);
    expect(Buffer.compare(echoed.bytes, bytes)).toBe(0);
  });

  it('rejects a result the wire cannot carry with BERTH_ERR_UNENCODABLE, and keeps the thread', async () => {
    const pool = await start();
    const faults = pool.faults();
    expect(await rejection(faults.returnSymbol())).toMatchObject({
      code: codes.UNENCODABLE,
      plugin: POOL_PLUGIN,
      method: 'returnSymbol',
    });
    expect(await rejection(faults.echo(Symbol('arg')))).toMatchObject({
      code: codes.UNENCODABLE,
      method: 'echo',
    });
    expect(await faults.echo('after')).toBe('after');
    expect((await faults.lifecycle()).started).toHaveLength(POOL_THREADS);
  });

  it('applies a config change live in every thread, and keeps the old one when refused', async () => {
    const pool = await start();
    const faults = pool.faults();
    await pool.host.configure(POOL_PLUGIN, 'faults', { greeting: 'bonjour' });
    // Enough concurrent calls that both threads answer: each has the new config.
    const greetings = await Promise.all([1, 2, 3, 4].map(() => faults.greeting()));
    expect(new Set(greetings)).toEqual(new Set(['bonjour']));

    const refused = await rejection(pool.host.configure(POOL_PLUGIN, 'faults', { greeting: 7 }));
    expect(refused).toMatchObject({ code: codes.CONFIG_INVALID });
    expect(new Set(await Promise.all([1, 2, 3, 4].map(() => faults.greeting())))).toEqual(
      new Set(['bonjour']),
    );
  });

  it("reports a thread's failing health check, and recovers when every thread is healthy", async () => {
    const pool = await start({
      health: { intervalMs: 50, timeoutMs: 1_000, failures: 1_000 },
      config: { [POOL_PLUGIN]: { faults: { unhealthy: true } } },
    });
    expect(await pool.waitFor('plugin:degraded')).toMatchObject({
      detail: expect.stringContaining('told to be unhealthy') as unknown,
    });
    await pool.host.configure(POOL_PLUGIN, 'faults', { unhealthy: false });
    await pool.waitFor('plugin:recovered');
  });

  it('drains, then runs onStop in every thread, when the host closes', async () => {
    const pool = await start();
    const inFlight = pool.faults().slow(150);
    const { ms } = await timed(() => pool.host.close());
    expect(await inFlight).toBeTypeOf('number');
    expect(ms).toBeLessThan(5_000);
    const files = await readdir(pool.pluginDataDir);
    const started = files.filter((f) => f.startsWith('started-')).map((f) => f.slice(8));
    const stopped = files.filter((f) => f.startsWith('stopped-')).map((f) => f.slice(8));
    expect(started).toHaveLength(POOL_THREADS);
    expect(stopped.sort()).toEqual(started.sort());
    expect(isBerthError(await rejection(pool.faults().ping()), codes.HOST_CLOSED)).toBe(true);
  });
});
