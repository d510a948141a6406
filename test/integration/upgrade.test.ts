import { copyFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { codes, isBerthError } from '../../src/errors.js';
import { countLiveWorkers, createThreadRuntime } from '../../src/isolation/thread-runtime.js';
import { runtimeParts } from './runtime-parts.js';
import { readManifest, type LoadedManifest } from '../../src/manifest/index.js';
import { DEFAULT_RESTART_POLICY } from '../../src/supervisor/restart-policy.js';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import {
  createRouter,
  startSupervised,
  upgradeInstance,
  type Router,
  type SupervisedInstance,
  type UpgradeOptions,
} from '../../src/upgrade/index.js';
import { createTempDirs } from '../fixtures/discovery/plugin-folders.js';
import type { VersionedConfig } from '../fixtures/plugins/versioned/index.js';
import { rejection } from '../support/rejection.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/plugins/versioned/', import.meta.url));
const logger = pino({ level: 'silent' });
const CALLERS = 16;

const temp = createTempDirs();
const supervisors: Supervisor[] = [];
const streams: { stop(): Promise<void> }[] = [];
let work: string;

beforeEach(async () => {
  work = await temp.make();
  // The copies import `berth/sdk` like any plugin installed beside Berth.
  await mkdir(join(work, 'node_modules'));
  await symlink(repoRoot, join(work, 'node_modules', 'berth'), 'dir');
  await mkdir(join(work, 'data'));
});

afterEach(async () => {
  await Promise.all(streams.splice(0).map((stream) => stream.stop()));
  await Promise.all(supervisors.splice(0).map((supervisor) => supervisor.stop()));
  await temp.removeAll();
  expect(countLiveWorkers()).toBe(0);
});

/** A copy of the fixture plugin, as a drop-in folder of the given version would be. */
async function versionFolder(version: string): Promise<LoadedManifest> {
  const dir = join(work, `versioned-${version}`);
  await mkdir(dir);
  await copyFile(join(fixture, 'index.js'), join(dir, 'index.js'));
  const manifest = JSON.parse(await readFile(join(fixture, 'plugin.json'), 'utf8')) as object;
  await writeFile(join(dir, 'plugin.json'), JSON.stringify({ ...manifest, version }));
  return readManifest(dir);
}

/** A real supervisor over a real worker thread, as the host makes them. */
function supervise(loaded: LoadedManifest, config: VersionedConfig = {}): Supervisor {
  const { manifest, mainPath } = loaded;
  const supervisor = new Supervisor({
    manifest,
    makeRuntime: (onExit) =>
      createThreadRuntime({
        boot: {
          name: manifest.name,
          version: manifest.version,
          mainPath,
          dataDir: join(work, 'data'),
          services: [{ name: 'versioned', config: { ...config } }],
          migrations: [],
        },
        logger,
        ...runtimeParts(manifest.name, logger),
        startTimeoutMs: 15_000,
        stopTimeoutMs: 5_000,
        hangTimeoutMs: 5_000,
        onExit,
      }),
    logger,
    restart: DEFAULT_RESTART_POLICY,
    health: { intervalMs: 0, timeoutMs: 5_000, failures: 100 },
    maxInFlight: 1_024,
    callTimeoutMs: 15_000,
    emit: () => {},
  });
  supervisors.push(supervisor);
  return supervisor;
}

/**
 * Many callers, each calling in a loop through the router until stopped; every answer
 * (the version that served it) and every failure is kept.
 */
function steadyCalls(router: Router<SupervisedInstance>): {
  served: Map<string, number>;
  failures: unknown[];
  stop(): Promise<void>;
} {
  const served = new Map<string, number>();
  const failures: unknown[] = [];
  let running = true;
  const callers = Array.from({ length: CALLERS }, async () => {
    while (running) {
      try {
        const version = (await router.use((i) => i.call('versioned', 'whoami', []))) as string;
        served.set(version, (served.get(version) ?? 0) + 1);
      } catch (error) {
        failures.push(error);
      }
    }
  });
  const stream = {
    served,
    failures,
    async stop() {
      running = false;
      await Promise.all(callers);
    },
  };
  streams.push(stream);
  return stream;
}

/** Starts version 1.0.0 behind a router, with the stream of calls already flowing. */
async function serveV1(): Promise<{
  v1: SupervisedInstance;
  router: Router<SupervisedInstance>;
  calls: ReturnType<typeof steadyCalls>;
}> {
  const v1 = await startSupervised(supervise(await versionFolder('1.0.0')));
  const router = createRouter(v1);
  const calls = steadyCalls(router);
  await vi.waitFor(() => expect(calls.served.get('1.0.0') ?? 0).toBeGreaterThan(50), {
    timeout: 10_000,
  });
  return { v1, router, calls };
}

function upgradeOptions(
  router: Router<SupervisedInstance>,
  start: () => Promise<SupervisedInstance>,
): UpgradeOptions<SupervisedInstance> {
  return { router, start, plugin: 'versioned', fromVersion: '1.0.0', toVersion: '2.0.0' };
}

describe('upgradeInstance over real supervisors', () => {
  it('swaps versions under a steady stream of calls without failing one; calls in flight finish on the old', async () => {
    const { v1, router, calls } = await serveV1();
    const release = join(work, 'release');
    const held = router.use((i) => i.call('versioned', 'holdUntil', [release]));
    const v2 = await versionFolder('2.0.0');

    const switched: string[] = [];
    const upgrading = upgradeInstance({
      ...upgradeOptions(router, () => startSupervised(supervise(v2))),
      healthIntervalMs: 20,
      onSwitch: (next, previous) => {
        switched.push(`${previous.supervisor.state} -> ${next.supervisor.state}`);
      },
    });
    await vi.waitFor(() => expect(router.current).not.toBe(v1), { timeout: 15_000 });
    expect(switched).toEqual(['running -> running']);
    // Switched, but the old version still runs the call it holds, and is not stopped.
    expect(router.inFlight(v1)).toBeGreaterThanOrEqual(1);
    expect(v1.supervisor.state).toBe('running');
    await writeFile(release, '');
    expect(await held).toBe('1.0.0');

    const outcome = await upgrading;
    expect(outcome).toMatchObject({ previous: v1, current: router.current, drained: true });
    expect(v1.supervisor.state).toBe('stopped');
    const servedByV2 = calls.served.get('2.0.0') ?? 0;
    await vi.waitFor(
      () => expect(calls.served.get('2.0.0') ?? 0).toBeGreaterThan(servedByV2 + 50),
      { timeout: 10_000 },
    );
    await calls.stop();
    expect(calls.failures).toEqual([]);
    expect(countLiveWorkers()).toBe(1);
  });

  it('leaves the old version serving when the new one fails to start, and says why', async () => {
    const { v1, router, calls } = await serveV1();
    const v2 = await versionFolder('2.0.0');
    const error = await rejection(
      upgradeInstance(
        upgradeOptions(router, () => startSupervised(supervise(v2, { failStart: true }))),
      ),
    );
    expect(isBerthError(error, codes.UPGRADE_FAILED)).toBe(true);
    expect(isBerthError(error) && error.data?.['reason']).toBe('start');
    expect(isBerthError(error) && isBerthError(error.cause, codes.START_FAILED)).toBe(true);
    await expectStillServing(v1, router, calls);
  });

  it('leaves the old version serving when the new one never passes a health check', async () => {
    const { v1, router, calls } = await serveV1();
    const v2 = await versionFolder('2.0.0');
    const started: SupervisedInstance[] = [];
    const error = await rejection(
      upgradeInstance({
        ...upgradeOptions(router, async () => {
          const instance = await startSupervised(supervise(v2, { unhealthy: true }));
          started.push(instance);
          return instance;
        }),
        healthTimeoutMs: 300,
        healthIntervalMs: 50,
      }),
    );
    expect(isBerthError(error, codes.UPGRADE_FAILED)).toBe(true);
    expect(isBerthError(error) && error.data?.['reason']).toBe('unhealthy');
    expect(started[0]?.supervisor.state).toBe('stopped');
    await expectStillServing(v1, router, calls);
  });

  it('stops the new version and keeps the old when the upgrade is aborted before the switch', async () => {
    const { v1, router, calls } = await serveV1();
    const v2 = await versionFolder('2.0.0');
    const abort = new AbortController();
    const error = await rejection(
      upgradeInstance({
        ...upgradeOptions(router, async () => {
          const instance = await startSupervised(supervise(v2));
          abort.abort(new Error('host closing'));
          return instance;
        }),
        signal: abort.signal,
      }),
    );
    expect(isBerthError(error) && error.data?.['reason']).toBe('aborted');
    await expectStillServing(v1, router, calls);
  });
});

/** The router still points at v1, which runs, answers, and failed no call; the new worker is gone. */
async function expectStillServing(
  v1: SupervisedInstance,
  router: Router<SupervisedInstance>,
  calls: ReturnType<typeof steadyCalls>,
): Promise<void> {
  expect(router.current).toBe(v1);
  expect(v1.supervisor.state).toBe('running');
  const before = calls.served.get('1.0.0') ?? 0;
  await vi.waitFor(() => expect(calls.served.get('1.0.0') ?? 0).toBeGreaterThan(before + 50), {
    timeout: 10_000,
  });
  await calls.stop();
  expect([...calls.served.keys()]).toEqual(['1.0.0']);
  expect(calls.failures).toEqual([]);
  await vi.waitFor(() => expect(countLiveWorkers()).toBe(1));
}
