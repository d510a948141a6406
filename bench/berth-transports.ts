/**
 * The transports of Berth itself, and the floor they are measured against:
 *
 * - in-process: a plain async function call, no isolation at all;
 * - berth inline / thread: the bench-target plugin called through a host's typed proxy;
 * - berth thread zero-copy: the same in a worker thread, results as leases on the arena;
 * - berth pool: the same plugin on a pool of one thread (bench-pool-target's manifest),
 *   as the piscina peer runs its task;
 * - berth process: the same plugin in a Node.js process of its own, over a pipe, as the
 *   child-process IPC peer answers from a forked process.
 */
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import {
  createHost,
  type Lease,
  type LeasedRemote,
  type PluginHost,
  type Remote,
} from '../src/index.js';
import {
  BENCH_TARGET_SERVICE,
  callBenchTarget,
  startBenchTargetHost,
  takeThenRelease,
} from './bench-target-host.js';
import { childrenRunning } from './cpu.js';
import { payloadFor, type PayloadName } from './payloads.js';
import type { BenchTarget } from './plugins/bench-target/index.js';
import type { Transport } from './transport.js';

/** The compiled bench plugins (dist/bench/plugins), beside this compiled module. */
export const benchPluginsDir = fileURLToPath(new URL('./plugins/', import.meta.url));

/** The floor: the same payload from an async function in the same thread. */
export function createInProcessTransport(): Transport {
  const serve = async (payload: PayloadName, id: number): Promise<unknown> =>
    payloadFor(payload, id);
  return { name: 'in-process', open: async () => {}, call: serve, close: async () => {} };
}

/** The bench-target plugin through a Berth host with the given isolation. */
export function createBerthTransport(
  isolation: 'inline' | 'thread' | 'pool' | 'process',
  dataDir: string,
): Transport {
  let host: PluginHost | undefined;
  let target: Remote<BenchTarget> | undefined;
  return {
    name: `berth ${isolation}`,
    async open() {
      // A pool is asked for by a plugin's manifest, not forced by the host.
      const chosen = isolation === 'pool' ? { enable: ['bench-pool-target'] } : { isolation };
      host = createHost({
        plugins: [benchPluginsDir],
        enable: ['bench-target'],
        ...chosen,
        dataDir,
        logger: pino({ level: 'warn' }, pino.destination(2)),
      });
      await host.start();
      const [plugin] = host.plugins();
      if (plugin?.state !== 'running')
        throw new Error(`bench-target did not start: ${plugin?.lastError?.message}`);
      target = host.service<BenchTarget>('target');
    },
    call(payload, id) {
      return callBenchTarget<unknown>(target as Remote<BenchTarget>, payload, id);
    },
    async close() {
      await host?.close();
    },
    // A process plugin's CPU counts to its calls, as a forked peer server's does.
    ...(isolation === 'process' ? { childPids: () => childrenRunning('plugin-process') } : {}),
  };
}

/**
 * The bench-target plugin in a worker thread through a zero-copy proxy: byte results are
 * views on the plugin's result arena. The harness measures `consume`: the call, the check
 * of the views and the release of the lease, so the release is paid inside the timed call.
 * `call` (the full check after opening) releases on the next macrotask instead.
 */
export function createBerthZeroCopyTransport(dataDir: string): Transport {
  let host: PluginHost | undefined;
  let target: LeasedRemote<BenchTarget> | undefined;
  return {
    name: 'berth thread zero-copy',
    async open() {
      host = await startBenchTargetHost(dataDir);
      target = host.service<BenchTarget>(BENCH_TARGET_SERVICE, { zeroCopy: true });
    },
    call(payload, id) {
      if (target === undefined)
        return Promise.reject(new Error('berth thread zero-copy: not open'));
      return takeThenRelease(callBenchTarget<Lease<unknown>>(target, payload, id));
    },
    async consume(payload, id, check) {
      if (target === undefined) throw new Error('berth thread zero-copy: not open');
      const lease = await callBenchTarget<Lease<unknown>>(target, payload, id);
      try {
        check(lease.value);
      } finally {
        lease.release();
      }
    },
    async close() {
      await host?.close();
    },
  };
}
