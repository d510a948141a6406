/**
 * Shared by the pool tests: a host over the fixture plugins in which `pool-faults` runs
 * as its manifest asks (a pool of two threads) and `echo` in a worker thread beside it,
 * recording every supervisor event from its creation. Every host is closed, and its data
 * dir removed, in afterEach.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach } from 'vitest';
import { createHost, type HostOptions, type PluginHost, type Remote } from '../../src/index.js';
import { PLUGIN_EVENTS, type EventPayload, type PluginEvent } from '../faults/fault-host.js';
import type { PoolFaults } from '../fixtures/plugins/pool-faults/index.js';

const fixtures = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));

/** The fixture that runs on a pool, and its thread count (plugin.json). */
export const POOL_PLUGIN = 'pool-faults';
export const POOL_THREADS = 2;

/** How long a test waits for an event before it fails with the events it did see. */
const EVENT_WAIT_MS = 5_000;

/** A started host with the pool fixture. */
export interface PoolHost {
  host: PluginHost;
  /** The data dir of the pool fixture, which all its threads share. */
  pluginDataDir: string;
  /** Every supervisor event so far, oldest first. */
  readonly events: readonly { event: PluginEvent; payload: EventPayload }[];
  /** The payload of the `nth` `event` of the pool fixture, waiting for it if need be. */
  waitFor(event: PluginEvent, nth?: number): Promise<EventPayload>;
  /** A proxy to the pool fixture's service. */
  faults(options?: { timeoutMs?: number; signal?: AbortSignal }): Remote<PoolFaults>;
}

/**
 * Registers the afterEach of a pool test file and returns its host factory. Hosts get
 * small bounds (hangs found in 500 ms, 500 ms to stop, restarts after 10 ms) that
 * `options` may override; the manifests decide isolation.
 */
export function usePoolHosts(): (options?: HostOptions) => Promise<PoolHost> {
  const hosts: PluginHost[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((host) => host.close()));
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  return async (options = {}) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'berth-pool-'));
    dirs.push(dataDir);
    const host = createHost({
      plugins: [fixtures],
      enable: [POOL_PLUGIN, 'echo'],
      dataDir,
      logger: pino({ level: 'silent' }),
      hangTimeoutMs: 500,
      stopTimeoutMs: 500,
      startTimeoutMs: 10_000,
      restart: { initialDelayMs: 10, jitter: 0 },
      ...options,
    });
    hosts.push(host);
    const events: { event: PluginEvent; payload: EventPayload }[] = [];
    const waiters = new Set<() => void>();
    for (const event of PLUGIN_EVENTS) {
      host.on(event, (payload: EventPayload) => {
        events.push({ event, payload });
        for (const wake of waiters) wake();
      });
    }
    const waitFor = (event: PluginEvent, nth = 1): Promise<EventPayload> =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const found = events.filter((e) => e.event === event && e.payload.plugin === POOL_PLUGIN)[
            nth - 1
          ];
          if (found === undefined) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found.payload);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const seen = events.map((e) => `${e.event}(${e.payload.plugin})`).join(', ');
          reject(new Error(`no ${event} #${nth} within ${EVENT_WAIT_MS} ms; saw: ${seen}`));
        }, EVENT_WAIT_MS);
        waiters.add(check);
        check();
      });
    await host.start();
    return {
      host,
      pluginDataDir: join(dataDir, 'plugins', POOL_PLUGIN),
      events,
      waitFor,
      faults: (proxyOptions = {}) => host.service<PoolFaults>('faults', proxyOptions),
    };
  };
}
