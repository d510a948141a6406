/**
 * Reaching the bench-target plugin through a Berth host: starting a host that runs it in
 * a worker thread, picking the method that answers a payload, and taking the value of a
 * zero-copy call while its lease is held just long enough for the harness to check it.
 */
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createHost, type Lease, type PluginHost } from '../src/index.js';
import type { PayloadName } from './payloads.js';

/** The plugin's name, and its service as a host addresses it unambiguously. */
export const BENCH_TARGET = 'bench-target';
export const BENCH_TARGET_SERVICE = 'bench-target/target';

/** The compiled bench plugins (dist/bench/plugins), beside this compiled module. */
const pluginsDir = fileURLToPath(new URL('./plugins/', import.meta.url));

/**
 * The methods of bench-target as a proxy exposes them, each resolving with `R`: the
 * result itself (`Remote`) or a lease on it (`LeasedRemote`).
 */
export interface BenchTargetMethods<R> {
  tiny(id: number): Promise<R>;
  records(): Promise<R>;
  bodies(): Promise<R>;
  binary(): Promise<R>;
}

/**
 * Starts a host that runs bench-target, and only it, in a worker thread. Resolves once
 * the plugin runs; otherwise closes the host and rejects saying why.
 */
export async function startBenchTargetHost(dataDir: string): Promise<PluginHost> {
  const host = createHost({
    plugins: [pluginsDir],
    enable: [BENCH_TARGET],
    isolation: 'thread',
    dataDir,
    logger: pino({ level: 'warn' }, pino.destination(2)),
  });
  await host.start();
  const plugin = host.plugins().find((p) => p.name === BENCH_TARGET);
  if (plugin?.state !== 'running') {
    await host.close();
    throw new Error(
      `${BENCH_TARGET} did not start (${plugin?.lastError?.message ?? 'not found in dist/bench/plugins'}): ` +
        'run `npm run build` first',
    );
  }
  return host;
}

/** Calls the method of `target` that answers `payload` (the id matters to tiny only). */
export function callBenchTarget<R>(
  target: BenchTargetMethods<R>,
  payload: PayloadName,
  id: number,
): Promise<R> {
  if (payload === 'tiny') return target.tiny(id);
  if (payload === 'records') return target.records();
  return payload === 'bodies' ? target.bodies() : target.binary();
}

/**
 * Resolves with the value of a zero-copy call and releases its lease on the next
 * macrotask. The harness checks each value synchronously right after its `await`
 * (bench/measure.ts), and every microtask runs before a setImmediate callback, so the
 * check reads the views before their arena slot can be reused; the lease is never held
 * longer than one turn of the event loop, so the arena drains as a careful caller's would.
 */
export async function takeThenRelease<T>(leased: Promise<Lease<T>>): Promise<T> {
  const lease = await leased;
  setImmediate(() => lease.release());
  return lease.value;
}
