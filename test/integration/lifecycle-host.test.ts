// The plugin lifecycle through the host API, with real worker threads, a real SQLite
// migration and a real state file: install, enable, disable, remove, live config,
// versions, and what survives a restart of the host.
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codes, createHost, type HostOptions, type PluginHost } from '../../src/index.js';
import type { Front } from '../fixtures/plugins/lifecycle/index.js';
import { rejection } from '../support/rejection.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = join(root, 'test/fixtures/plugins');
const fixture = join(fixtures, 'lifecycle');

// In a worker thread, and again with every plugin in a process of its own.
describe.each(['thread', 'process'] as const)(
  'the plugin lifecycle through the host API (%s)',
  (isolation) => {
    let work: string;
    let dataDir: string;
    let emptyPlugins: string;
    const hosts: PluginHost[] = [];

    beforeEach(async () => {
      work = await mkdtemp(join(tmpdir(), 'berth-lifecycle-'));
      dataDir = join(work, 'data');
      emptyPlugins = join(work, 'plugins');
      await mkdir(emptyPlugins);
      // Copies of the fixture made here import berth/sdk and better-sqlite3 as it does.
      await mkdir(join(work, 'node_modules'));
      await symlink(root, join(work, 'node_modules', 'berth'), 'dir');
      await symlink(
        join(root, 'node_modules', 'better-sqlite3'),
        join(work, 'node_modules', 'better-sqlite3'),
        'dir',
      );
    });
    afterEach(async () => {
      await Promise.all(hosts.splice(0).map((host) => host.close()));
      await rm(work, { recursive: true, force: true });
    });

    async function startHost(options: HostOptions = {}): Promise<PluginHost> {
      const host = createHost({
        plugins: [emptyPlugins],
        dataDir,
        isolation,
        logger: pino({ level: 'silent' }),
        ...options,
      });
      hosts.push(host);
      await host.start();
      return host;
    }

    /** A copy of the fixture with another version (and plugin.json edited by `edit`). */
    async function copyFixture(
      version: string,
      edit: (manifest: Record<string, unknown>) => void = () => {},
    ): Promise<string> {
      const dir = join(work, `lifecycle-${version}`);
      await cp(fixture, dir, { recursive: true });
      const manifest = JSON.parse(await readFile(join(dir, 'plugin.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      manifest['version'] = version;
      edit(manifest);
      await writeFile(join(dir, 'plugin.json'), JSON.stringify(manifest));
      return dir;
    }

    const pluginData = (...parts: string[]): string =>
      join(dataDir, 'plugins', 'lifecycle', ...parts);
    const journal = async (): Promise<string[]> =>
      (await readFile(pluginData('journal.txt'), 'utf8')).trim().split('\n');
    const hasTable = (): boolean => {
      const db = new Database(pluginData('lifecycle.db'), { readonly: true });
      try {
        return (
          db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'greetings'").get() !== undefined
        );
      } finally {
        db.close();
      }
    };
    const info = (host: PluginHost) => host.plugins().find((p) => p.name === 'lifecycle');

    it('installs (migrations up), enables, disables and removes (migrations down) a plugin', async () => {
      const host = await startHost();
      const events: string[] = [];
      for (const event of ['installed', 'enabled', 'disabled', 'removed']) {
        host.on(`plugin:${event}`, ({ plugin }: { plugin: string }) =>
          events.push(`${event} ${plugin}`),
        );
      }
      const front = host.service<Front>('lifecycle/front');

      const installed = await host.install(fixture);
      expect(installed).toMatchObject({ state: 'installed', enabled: false, versions: ['1.0.0'] });
      expect(hasTable()).toBe(true);
      // The trial start ran both services and stopped them again, in reverse order.
      expect(await journal()).toEqual([
        'start front 1.0.0',
        'start back 1.0.0',
        'stop back 1.0.0',
        'stop front 1.0.0',
      ]);
      expect(await rejection(front.greet('x'))).toMatchObject({ code: codes.PLUGIN_NOT_RUNNING });
      // A disabled plugin does not come back by restarting it: the error says to enable it.
      expect(await rejection(host.restart('lifecycle'))).toMatchObject({
        code: codes.PLUGIN_DISABLED,
        message: expect.stringContaining('enable'),
      });

      expect(await host.enable('lifecycle')).toMatchObject({ state: 'running', enabled: true });
      expect(await front.greet('x')).toBe('hello, x!');
      expect(await rejection(host.remove('lifecycle'))).toMatchObject({
        code: codes.PLUGIN_ENABLED,
      });

      expect(await host.disable('lifecycle')).toMatchObject({ state: 'stopped', enabled: false });
      expect((await journal()).slice(4)).toEqual([
        'start front 1.0.0',
        'start back 1.0.0',
        'stop back 1.0.0',
        'stop front 1.0.0',
      ]);
      expect(await rejection(front.greet('x'))).toMatchObject({ code: codes.PLUGIN_NOT_RUNNING });

      await host.remove('lifecycle');
      expect(info(host)).toBeUndefined();
      expect(hasTable()).toBe(false);
      const state = JSON.parse(await readFile(join(dataDir, 'berth-state.json'), 'utf8')) as {
        plugins: Record<string, unknown>;
      };
      expect(state.plugins).toEqual({});
      expect(events).toEqual([
        'installed lifecycle',
        'enabled lifecycle',
        'disabled lifecycle',
        'removed lifecycle',
      ]);
      expect(await rejection(host.enable('lifecycle'))).toMatchObject({
        code: codes.PLUGIN_NOT_FOUND,
      });
    });

    it('enables all or nothing: when the second service fails to start, the first is stopped again', async () => {
      const host = await startHost();
      await host.install(fixture);
      // Not running: the change is checked and recorded for the next start.
      expect(await host.configure('lifecycle', 'back', { failStart: true })).toMatchObject({
        live: false,
        config: { failStart: true },
      });

      const failure = await rejection(host.enable('lifecycle'));
      expect(failure).toMatchObject({
        code: codes.START_FAILED,
        plugin: 'lifecycle',
        service: 'back',
      });
      // front started, then was stopped again; back never started.
      const lines = (await journal()).slice(4);
      expect(lines[0]).toBe('start front 1.0.0');
      expect(lines.at(-1)).toBe('stop front 1.0.0');
      expect(lines).not.toContain('start back 1.0.0');
      expect(info(host)).toMatchObject({
        enabled: false,
        state: 'failed',
        lastError: { code: codes.START_FAILED },
      });
      expect(await rejection(host.service<Front>('lifecycle/front').greet('x'))).toMatchObject({
        code: codes.PLUGIN_FAILED,
      });

      await host.configure('lifecycle', 'back', { failStart: null });
      expect(await host.enable('lifecycle')).toMatchObject({ state: 'running', enabled: true });
    });

    it('refuses a config that fails the schema or that the plugin vetoes, and keeps the old one', async () => {
      const host = await startHost();
      await host.install(fixture);
      await host.enable('lifecycle');
      const front = host.service<Front>('lifecycle/front');

      const bySchema = await rejection(
        host.configure('lifecycle', 'front', { limit: 500, colour: 'red' }),
      );
      expect(bySchema).toMatchObject({
        code: codes.CONFIG_INVALID,
        plugin: 'lifecycle',
        service: 'front',
        // An unknown key first: a misspelt key often explains the rest.
        data: { problems: [{ path: 'colour' }, { path: 'limit' }] },
      });
      const byPlugin = await rejection(
        host.configure('lifecycle', 'front', { greeting: 'forbidden' }),
      );
      expect(byPlugin).toMatchObject({ code: codes.CONFIG_INVALID, service: 'front' });

      expect(await front.config()).toEqual({ greeting: 'hello', limit: 10 });
      expect(await journal()).not.toContain('change front hello -> forbidden');
      // Nothing refused was recorded: a restart still runs the old config.
      await host.restart('lifecycle');
      expect(await front.config()).toEqual({ greeting: 'hello', limit: 10 });
      expect(await rejection(host.configure('lifecycle', 'nope', {}))).toMatchObject({
        code: codes.SERVICE_NOT_FOUND,
      });
    });

    it('applies an accepted config live, to the very next call, and keeps it across restarts', async () => {
      const host = await startHost();
      await host.install(fixture);
      await host.enable('lifecycle');
      const front = host.service<Front>('lifecycle/front');

      const change = await host.configure('lifecycle', 'front', { greeting: 'hey', mode: 'safe' });
      expect(change).toEqual({
        plugin: 'lifecycle',
        service: 'front',
        live: true,
        config: { greeting: 'hey', mode: 'safe', limit: 10 },
      });
      expect(await front.greet('x')).toBe('hey, x!');
      expect(info(host)?.restarts).toBe(0);
      expect(await journal()).toContain('change front hello -> hey');

      await host.restart('lifecycle');
      expect(await front.greet('x')).toBe('hey, x!');

      // null drops a change (the default is back); replace drops all earlier changes.
      await host.configure('lifecycle', 'front', { greeting: null });
      expect(await front.config()).toEqual({ greeting: 'hello', mode: 'safe', limit: 10 });
      await host.configure('lifecycle', 'front', { limit: 3 }, { replace: true });
      expect(await front.config()).toEqual({ greeting: 'hello', limit: 3 });
    });

    it('brings installed, enabled and configured plugins back after a restart of the host', async () => {
      const first = await startHost();
      await first.install(fixture);
      await first.enable('lifecycle');
      await first.configure('lifecycle', 'front', { greeting: 'again' });
      await first.close();

      const second = await startHost();
      expect(info(second)).toMatchObject({ state: 'running', enabled: true, version: '1.0.0' });
      expect(await second.service<Front>('lifecycle/front').greet('x')).toBe('again, x!');
      await second.disable('lifecycle');
      await second.close();

      const third = await startHost();
      expect(info(third)).toMatchObject({ state: 'installed', enabled: false });
      expect(await rejection(third.service<Front>('lifecycle/front').greet('x'))).toMatchObject({
        code: codes.PLUGIN_NOT_RUNNING,
      });
    });

    it('runs plugins found in the plugin dirs without an install, and remembers a disable', async () => {
      const options = { plugins: [fixtures], enable: ['lifecycle'] };
      const first = await startHost(options);
      expect(info(first)).toMatchObject({ state: 'running', enabled: true });
      // Nothing was decided, so nothing is written.
      await expect(readFile(join(dataDir, 'berth-state.json'))).rejects.toThrow();
      await first.disable('lifecycle');
      await first.close();

      const second = await startHost(options);
      expect(info(second)).toMatchObject({ state: 'installed', enabled: false });
      await second.enable('lifecycle');
      await second.disable('lifecycle');
      await second.remove('lifecycle');
      await second.close();

      // Removed while the plugin dirs still hold it: it is not taken again…
      const third = await startHost(options);
      expect(info(third)).toBeUndefined();
      // …until it is installed again.
      await third.install(join(fixtures, 'lifecycle'));
      expect(info(third)).toMatchObject({ enabled: false, state: 'installed' });
    });

    it('keeps two versions installed, one active, and switches with enable name@version', async () => {
      const v2 = await copyFixture('2.0.0');
      const first = await startHost();
      await first.install(fixture);
      await first.enable('lifecycle');
      const front = first.service<Front>('lifecycle/front');

      expect(await first.install(v2)).toMatchObject({
        version: '1.0.0',
        versions: ['1.0.0', '2.0.0'],
        state: 'running',
      });
      expect(await front.version()).toBe('1.0.0');
      expect(await first.enable('lifecycle@2.0.0')).toMatchObject({ version: '2.0.0' });
      expect(await front.version()).toBe('2.0.0');
      expect(await rejection(first.enable('lifecycle@3.0.0'))).toMatchObject({
        code: codes.PLUGIN_NOT_FOUND,
      });
      await first.close();

      const second = await startHost();
      expect(info(second)).toMatchObject({ version: '2.0.0', state: 'running' });
      expect(await rejection(second.remove('lifecycle@2.0.0'))).toMatchObject({
        code: codes.INVALID_ARGUMENT,
      });
      await second.remove('lifecycle@1.0.0');
      expect(info(second)?.versions).toEqual(['2.0.0']);
      await second.close();
      const third = await startHost();
      expect(info(third)?.versions).toEqual(['2.0.0']);
    });

    it('checks engines.berth at install and again at every load', async () => {
      const host = await startHost();
      const tooNew = await copyFixture('9.0.0', (m) => (m['engines'] = { berth: '>=99.0.0' }));
      expect(await rejection(host.install(tooNew))).toMatchObject({
        code: codes.ENGINE_INCOMPATIBLE,
      });
      expect(info(host)).toBeUndefined();

      const later = await copyFixture('1.5.0');
      await host.install(later);
      await host.close();
      // The folder changes under the host: the next load refuses it, naming the folder.
      const manifest = JSON.parse(await readFile(join(later, 'plugin.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      await writeFile(
        join(later, 'plugin.json'),
        JSON.stringify({ ...manifest, engines: { berth: '>=99.0.0' } }),
      );
      const next = await startHost();
      expect(info(next)).toBeUndefined();
      expect(next.problems()).toEqual([
        expect.objectContaining({
          dir: later,
          error: expect.objectContaining({ code: codes.ENGINE_INCOMPATIBLE }),
        }),
      ]);
    });

    it('enforces the configSchema on the config a plugin starts with, and at install', async () => {
      const config = { lifecycle: { front: { limit: 0 } } };
      const found = await startHost({ plugins: [fixtures], enable: ['lifecycle'], config });
      expect(info(found)).toMatchObject({
        state: 'failed',
        lastError: { code: codes.CONFIG_INVALID },
      });
      await found.close();
      const host = await startHost({ config });
      expect(await rejection(host.install(fixture))).toMatchObject({
        code: codes.CONFIG_INVALID,
        service: 'front',
      });
      expect(info(host)).toBeUndefined();
    });

    it('refuses to start on a broken state file rather than forget what operators decided', async () => {
      await mkdir(dataDir, { recursive: true });
      await writeFile(join(dataDir, 'berth-state.json'), '{ "format": 1, "plug');
      const host = createHost({
        plugins: [emptyPlugins],
        dataDir,
        logger: pino({ level: 'silent' }),
      });
      hosts.push(host);
      expect(await rejection(host.start())).toMatchObject({ code: codes.STATE_INVALID });
    });
  },
);
