/**
 * The transports of Berth itself, and the floor they are measured against:
 *
 * - in-process: a plain async function call, no isolation at all;
 * - berth inline / thread: the bench-target plugin called through a host's typed proxy;
 * - berth pool: listed, not yet runnable.
 */
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createHost, type PluginHost, type Remote } from '../src/index.js';
import { payloadFor, type PayloadName } from './payloads.js';
import type { BenchTarget } from './plugins/bench-target/index.js';
import type { PendingTransport, Transport } from './transport.js';

/** The compiled bench plugins (dist/bench/plugins), beside this compiled module. */
export const benchPluginsDir = fileURLToPath(new URL('./plugins/', import.meta.url));

/** The floor: the same payload from an async function in the same thread. */
export function createInProcessTransport(): Transport {
  const serve = async (payload: PayloadName, id: number): Promise<unknown> =>
    payloadFor(payload, id);
  return { name: 'in-process', open: async () => {}, call: serve, close: async () => {} };
}

/** The bench-target plugin through a Berth host with the given isolation. */
export function createBerthTransport(isolation: 'inline' | 'thread', dataDir: string): Transport {
  let host: PluginHost | undefined;
  let target: Remote<BenchTarget> | undefined;
  return {
    name: `berth ${isolation}`,
    async open() {
      host = createHost({
        plugins: [benchPluginsDir],
        enable: ['bench-target'],
        isolation,
        dataDir,
        logger: pino({ level: 'warn' }),
      });
      await host.start();
      const [plugin] = host.plugins();
      if (plugin?.state !== 'running')
        throw new Error(`bench-target did not start: ${plugin?.lastError?.message}`);
      target = host.service<BenchTarget>('target');
    },
    call(payload, id) {
      const service = target as Remote<BenchTarget>;
      if (payload === 'tiny') return service.tiny(id);
      return payload === 'records' ? service.records() : service.binary();
    },
    async close() {
      await host?.close();
    },
  };
}

/** Berth's pool isolation, which the zero-copy data plane brings. */
export const berthPool: PendingTransport = {
  name: 'berth pool',
  pending: 'not yet (arrives with the zero-copy data plane)',
};
