// Shared by the fault tests: a host over the fixture plugins with small bounds, that
// records every supervisor event from its creation, so a test can await an event that
// may already have fired. Each host is closed, and its data dir removed, in afterEach.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, beforeEach } from 'vitest';
import { createHost, type HostOptions, type PluginHost } from '../../src/index.js';
import { countLiveProcesses } from '../../src/isolation/process-endpoint.js';
import { countLiveWorkers } from '../../src/isolation/thread-runtime.js';
import type { Echo } from '../fixtures/plugins/echo/index.js';

const fixtures = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));

/** The supervisor events a host emits, each with `{ plugin, … }`. */
export const PLUGIN_EVENTS = [
  'plugin:started',
  'plugin:crashed',
  'plugin:backoff',
  'plugin:restarted',
  'plugin:degraded',
  'plugin:recovered',
  'plugin:failed',
  'plugin:stopped',
] as const;

/** One of {@link PLUGIN_EVENTS}. */
export type PluginEvent = (typeof PLUGIN_EVENTS)[number];

/** An event's payload as emitted. */
export type EventPayload = { plugin: string } & Record<string, unknown>;

/** How long a test waits for an event before it fails with the events it did see. */
const EVENT_WAIT_MS = 4_000;

/** A started host and what it has emitted. */
export interface FaultHost {
  host: PluginHost;
  /** Every event so far, oldest first. */
  readonly events: readonly { event: PluginEvent; payload: EventPayload }[];
  /**
   * Resolves with the payload of the `nth` (1-based) `event` of `plugin` since the host
   * was made, at once if it has already fired; rejects after a few seconds, listing what
   * was seen, so a missing event fails the test instead of hanging it.
   */
  waitFor(event: PluginEvent, plugin: string, nth?: number): Promise<EventPayload>;
  /** The `echo` fixture's proxy: the neighbour every fault test checks still answers. */
  echo(): Promise<unknown>;
}

/**
 * Defaults of every fault host: small bounds. The manifests decide isolation: a worker
 * thread for every fault fixture but pool-throws, which asks for a pool.
 */
const FAULT_DEFAULTS = {
  hangTimeoutMs: 500,
  stopTimeoutMs: 500,
  startTimeoutMs: 5_000,
  restart: { initialDelayMs: 10, jitter: 0 },
} satisfies HostOptions;

/**
 * The isolations a fault test runs in: `thread` (the manifests decide, as above) and
 * `process` (every plugin, the neighbour too, forced into a process of its own).
 */
export const FAULT_ISOLATIONS = ['thread', 'process'] as const;

/** One of {@link FAULT_ISOLATIONS}, as host options. */
export function inIsolation(isolation: (typeof FAULT_ISOLATIONS)[number]): HostOptions {
  return isolation === 'process' ? { isolation } : {};
}

/** What counts the live workers of `isolation`: its threads, or its processes. */
export function liveWorkerCount(isolation: (typeof FAULT_ISOLATIONS)[number]): () => number {
  return isolation === 'process' ? countLiveProcesses : countLiveWorkers;
}

/**
 * Registers the beforeEach/afterEach of a fault test file and returns its host factory:
 * `start(['fault-x'])` starts `fault-x` and `echo` (the neighbour) with the fault
 * defaults, `base` (a file's, such as its isolation) and then `options` overriding them.
 */
export function useFaultHosts(
  base: HostOptions = {},
): (plugins: string[], options?: HostOptions) => Promise<FaultHost> {
  let hosts: PluginHost[] = [];
  let dataDir = '';

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'berth-fault-'));
  });
  afterEach(async () => {
    await Promise.all(hosts.map((host) => host.close()));
    hosts = [];
    await rm(dataDir, { recursive: true, force: true });
  });

  return async (plugins, options = {}) => {
    const host = createHost({
      plugins: [fixtures],
      enable: [...plugins, 'echo'],
      dataDir,
      logger: pino({ level: 'silent' }),
      ...FAULT_DEFAULTS,
      ...base,
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
    const find = (event: PluginEvent, plugin: string, nth: number): EventPayload | undefined =>
      events.filter((e) => e.event === event && e.payload.plugin === plugin)[nth - 1]?.payload;

    const waitFor = (event: PluginEvent, plugin: string, nth = 1): Promise<EventPayload> =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const found = find(event, plugin, nth);
          if (found === undefined) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const seen = events.map((e) => `${e.event}(${e.payload.plugin})`).join(', ');
          reject(
            new Error(
              `no ${event} #${nth} from ${plugin} within ${EVENT_WAIT_MS} ms; saw: ${seen}`,
            ),
          );
        }, EVENT_WAIT_MS);
        waiters.add(check);
        check();
      });

    await host.start();
    return {
      host,
      events,
      waitFor,
      echo: () => host.service<Echo>('echo').echo('neighbour unharmed'),
    };
  };
}

/** Runs `work` and returns its outcome with the milliseconds it took. */
export async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}
