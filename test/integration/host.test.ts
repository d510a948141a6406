import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  codes,
  createHost,
  isBerthError,
  type HostOptions,
  type PluginHost,
} from '../../src/index.js';
import { countLiveProcesses } from '../../src/isolation/process-endpoint.js';
import { countLiveWorkers } from '../../src/isolation/thread-runtime.js';
import type { Echo } from '../fixtures/plugins/echo/index.js';
import type { Doomed } from '../fixtures/plugins/exits-in-call/index.js';
import { rejection } from '../support/rejection.js';

const fixtures = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));

describe.each(['inline', 'thread', 'pool', 'process'] as const)(
  'a host in %s mode',
  (isolation) => {
    let host: PluginHost | undefined;
    let dataDir: string;

    beforeEach(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'berth-host-'));
    });
    afterEach(async () => {
      await host?.close();
      host = undefined;
      await rm(dataDir, { recursive: true, force: true });
    });

    async function start(options: HostOptions = {}): Promise<PluginHost> {
      host = createHost({
        plugins: [fixtures],
        enable: ['echo'],
        isolation,
        dataDir,
        logger: pino({ level: 'silent' }),
        ...options,
      });
      await host.start();
      return host;
    }

    it('starts the enabled plugin and reports its services and methods', async () => {
      const started = await start();
      const [echo, ...others] = started.plugins();
      expect(others).toEqual([]);
      expect(echo).toMatchObject({ name: 'echo', version: '1.0.0', state: 'running', isolation });
      expect(echo?.services.map((s) => s.name)).toEqual(['echo', 'second']);
      expect(echo?.services[0]?.methods).toContain('echo');
    });

    it('returns what the method returns, bytes and nested values included', async () => {
      const echo = (await start()).service<Echo>('echo');
      const value = {
        text: 'héllo',
        n: 42,
        list: [1, 'two', null],
        bytes: new Uint8Array([1, 2, 255]),
      };
      const result = (await echo.echo(value)) as typeof value;
      expect(result).toEqual({ ...value, bytes: expect.any(Uint8Array) });
      expect([...result.bytes]).toEqual([1, 2, 255]);
    });

    it('hands each method its context and a data directory that exists', async () => {
      const echo = (await start()).service<Echo>('echo');
      const context = await echo.context();
      expect(context).toMatchObject({
        plugin: 'echo',
        service: 'echo',
        method: 'context',
        version: '1.0.0',
      });
      expect(context.dataDir).toBe(join(dataDir, 'plugins', 'echo'));
      expect(context.threadId === threadId && context.pid === process.pid).toBe(
        isolation === 'inline',
      );
      // A plugin process works in its data directory; a thread shares the host's.
      expect(context.pid === process.pid).toBe(isolation !== 'process');
      if (isolation === 'process') expect(context.cwd).toBe(context.dataDir);
    });

    it('merges host config over the manifest defaultConfig', async () => {
      const started = await start({
        config: { echo: { echo: { nested: { b: 3 }, extra: true } } },
      });
      expect(await started.service<Echo>('echo').config()).toEqual({
        greeting: 'hello',
        nested: { a: 1, b: 3 },
        extra: true,
      });
    });

    it('runs onStart in serviceOrder and onStop in reverse order at close', async () => {
      const started = await start();
      await started.close();
      const journal = await readFile(join(dataDir, 'plugins', 'echo', 'journal.txt'), 'utf8');
      const lines = journal.trim().split('\n');
      const order = ['start echo', 'start second', 'stop second', 'stop echo'];
      if (isolation !== 'pool') {
        expect(lines).toEqual(order);
        return;
      }
      // Each of the pool's two threads runs an instance of its own; their lines interleave.
      expect([...lines].sort()).toEqual([...order, ...order].sort());
      expect(lines.findLastIndex((line) => line.startsWith('start'))).toBeLessThan(
        lines.findIndex((line) => line.startsWith('stop')),
      );
    });

    it("turns a plugin's throw into BERTH_ERR_PLUGIN_ERROR with the original error as cause", async () => {
      const echo = (await start()).service<Echo>('echo');
      const error = await rejection(echo.fail('bad input'));
      expect(error).toMatchObject({
        code: codes.PLUGIN_ERROR,
        plugin: 'echo',
        service: 'echo',
        method: 'fail',
      });
      const cause = error.cause as Error;
      expect(cause.name).toBe('TypeError');
      expect(cause.message).toBe('bad input');
      expect(cause.stack).toContain('echo/index');
    });

    it('keeps the code and data of a BerthError the plugin throws', async () => {
      const echo = (await start()).service<Echo>('echo');
      const error = await rejection(echo.conflict());
      expect(isBerthError(error, codes.REVISION_CONFLICT)).toBe(true);
      expect(error).toMatchObject({ plugin: 'echo', method: 'conflict', data: { current: 4 } });
    });

    it('rejects an unknown method with BERTH_ERR_METHOD_NOT_FOUND', async () => {
      const echo = (await start()).service<Echo & { missing(): Promise<void> }>('echo');
      expect(await rejection(echo.missing())).toMatchObject({
        code: codes.METHOD_NOT_FOUND,
        method: 'missing',
      });
    });

    it('finds services by name or by plugin/service, and names what is missing', async () => {
      const started = await start();
      expect(await started.service<{ ping(): Promise<string> }>('echo/second').ping()).toBe('pong');
      const nowhere = started.service<{ ping(): Promise<string> }>('nowhere');
      expect(await rejection(nowhere.ping())).toMatchObject({ code: codes.SERVICE_NOT_FOUND });
      const noPlugin = started.service<{ ping(): Promise<string> }>('ghost/second');
      expect(await rejection(noPlugin.ping())).toMatchObject({ code: codes.PLUGIN_NOT_FOUND });
    });

    it("rejects with BERTH_ERR_CALL_ABORTED when the caller's signal fires, and the plugin sees it", async () => {
      const started = await start();
      const controller = new AbortController();
      const echo = started.service<Echo>('echo', { signal: controller.signal });
      const call = echo.waitForAbort();
      setTimeout(() => controller.abort(), 20);
      expect(await rejection(call)).toMatchObject({ code: codes.CALL_ABORTED });
      // The plugin's side of the call ended too: the host closes without waiting on it.
      await started.close();
    });

    it("cuts a call's timeout beyond Node's longest timer to it, rather than ending the call at once", async () => {
      const started = await start();
      const controller = new AbortController();
      const echo = started.service<Echo>('echo', { signal: controller.signal, timeoutMs: 2 ** 40 });
      const call = echo.waitForAbort();
      setTimeout(() => controller.abort(), 50);
      // A timer of more than 2^31 - 1 ms fires after 1 ms: the call would time out at once.
      expect(await rejection(call)).toMatchObject({ code: codes.CALL_ABORTED });
      await started.close();
    });

    it('refuses calls after close with BERTH_ERR_HOST_CLOSED, and close is idempotent', async () => {
      const started = await start();
      const echo = started.service<Echo>('echo');
      await Promise.all([started.close(), started.close()]);
      await started.close();
      expect(started.plugins()[0]?.state).toBe('stopped');
      expect(await rejection(echo.echo(1))).toMatchObject({ code: codes.HOST_CLOSED });
    });

    it('forwards plugin logs to the host logger tagged with plugin, service and version', async () => {
      const lines: Record<string, unknown>[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      });
      const echo = (await start({ logger: pino({ level: 'info' }, sink) })).service<Echo>('echo');
      await echo.log('hello from the plugin');
      await vi.waitFor(() =>
        expect(lines.some((line) => line['msg'] === 'hello from the plugin')).toBe(true),
      );
      expect(lines.find((line) => line['msg'] === 'hello from the plugin')).toMatchObject({
        level: 30,
        plugin: 'echo',
        service: 'echo',
        version: '1.0.0',
        extra: 42,
      });
    });

    it('refuses a module whose default export was not made by definePlugin', async () => {
      const started = await start({ enable: ['not-branded', 'echo'] });
      const failed = started.plugins().find((p) => p.name === 'not-branded');
      expect(failed).toMatchObject({
        state: 'failed',
        lastError: { code: codes.PLUGIN_NOT_BRANDED },
      });
      expect(failed?.lastError?.message).toContain('definePlugin');
      expect(await started.service<Echo>('echo').echo('still serving')).toBe('still serving');
    });
  },
);

describe.each(['thread', 'process'] as const)('a host in %s mode', (isolation) => {
  let host: PluginHost | undefined;
  let dataDir: string;
  const countLive = isolation === 'thread' ? countLiveWorkers : countLiveProcesses;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'berth-dedicated-'));
  });
  afterEach(async () => {
    await host?.close();
    host = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(enable: string[]): Promise<PluginHost> {
    host = createHost({
      plugins: [fixtures],
      enable,
      isolation,
      dataDir,
      logger: pino({ level: 'silent' }),
    });
    await host.start();
    return host;
  }

  it('rejects a result that cannot be encoded with BERTH_ERR_UNENCODABLE and keeps serving', async () => {
    const echo = (await start(['echo'])).service<Echo>('echo');
    expect(await rejection(echo.unencodable())).toMatchObject({
      code: codes.UNENCODABLE,
      plugin: 'echo',
      method: 'unencodable',
    });
    expect(await echo.echo('next call')).toBe('next call');
  });

  it('rejects arguments that cannot be encoded before anything is sent', async () => {
    const echo = (await start(['echo'])).service<Echo>('echo');
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(await rejection(echo.echo(cyclic))).toMatchObject({
      code: codes.UNENCODABLE,
      method: 'echo',
    });
    expect(await echo.echo('next call')).toBe('next call');
  });

  it('reports a plugin process, its id and its use, and no arena; a thread, its arena', async () => {
    const started = await start(['echo']);
    const echo = started.plugins()[0];
    if (isolation === 'thread') {
      expect(echo?.arena).toBeDefined();
      expect(echo?.process).toBeUndefined();
      return;
    }
    expect(echo?.arena).toBeUndefined();
    const { pid } = await started.service<Echo>('echo').context();
    await vi.waitFor(() =>
      expect(started.plugins()[0]?.process).toEqual({
        pid,
        residentBytes: expect.any(Number),
        cpuSeconds: expect.any(Number),
      }),
    );
    await vi.waitFor(() => expect(started.plugins()[0]?.process?.residentBytes).toBeGreaterThan(0));
  });

  it('leaves no worker behind after close', async () => {
    const before = countLive();
    const started = await start(['echo', 'exits-in-call']);
    expect(countLive()).toBe(before + 2);
    await started.close();
    expect(countLive()).toBe(before);
  });

  it('rejects every call in flight with BERTH_ERR_PLUGIN_CRASHED when the worker exits, then restarts it', async () => {
    const started = await start(['exits-in-call', 'echo']);
    const crashed = new Promise((resolve) => started.once('plugin:crashed', resolve));
    const restarted = new Promise((resolve) => started.once('plugin:restarted', resolve));
    const doomed = started.service<Doomed>('doomed');
    const firstWorker = await doomed.where();
    const inFlight = [doomed.never(), doomed.never(), doomed.never()].map(rejection);
    await doomed.exit(3);
    for (const error of await Promise.all(inFlight)) {
      expect(error).toMatchObject({
        code: codes.PLUGIN_CRASHED,
        plugin: 'exits-in-call',
        data: { exitCode: 3 },
      });
    }
    expect(await crashed).toMatchObject({ plugin: 'exits-in-call', code: codes.PLUGIN_CRASHED });
    expect(await restarted).toMatchObject({ plugin: 'exits-in-call', restarts: 1 });
    expect(await doomed.where()).not.toBe(firstWorker);
    expect(started.plugins().find((p) => p.name === 'exits-in-call')).toMatchObject({
      state: 'running',
      restarts: 1,
    });
    expect(await started.service<Echo>('echo').echo('neighbour unharmed')).toBe(
      'neighbour unharmed',
    );
  });
});
