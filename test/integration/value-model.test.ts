/**
 * The value model (docs/value-model.md) through the real host: one table of values
 * (test/fixtures/plugins/value-model/values.ts), sent as arguments and returned as
 * results, must arrive the same in inline, thread and pool isolation, and what the model
 * refuses must be refused the same way everywhere, naming its path.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { codes, createHost, type HostOptions, type PluginHost } from '../../src/index.js';
import type { Values } from '../fixtures/plugins/value-model/index.js';
import { CROSSINGS, describeValue, REFUSALS } from '../fixtures/plugins/value-model/values.js';
import { rejection } from '../support/rejection.js';

const fixtures = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));
const PLUGIN = 'value-model';
const MODES = ['inline', 'thread', 'pool'] as const;
type Mode = (typeof MODES)[number];

interface ValueHost {
  host: PluginHost;
  /** Supervisor events that would mean the plugin went down. */
  readonly crashes: string[];
}

/** A host factory; every host is closed and its data dir removed after each test. */
function useValueHosts(): (mode: Mode, options?: HostOptions) => Promise<ValueHost> {
  const hosts: PluginHost[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((host) => host.close()));
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return async (mode, options = {}) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'berth-values-'));
    dirs.push(dataDir);
    // The manifest asks for a pool; the host option forces the other two modes.
    const host = createHost({
      plugins: [fixtures],
      enable: [PLUGIN],
      dataDir,
      logger: pino({ level: 'silent' }),
      startTimeoutMs: 10_000,
      stopTimeoutMs: 1_000,
      ...(mode === 'pool' ? {} : { isolation: mode }),
      ...options,
    });
    hosts.push(host);
    const crashes: string[] = [];
    for (const event of ['plugin:crashed', 'plugin:failed'] as const) {
      host.on(event, () => crashes.push(event));
    }
    await host.start();
    expect(host.plugins().find((p) => p.name === PLUGIN)).toMatchObject({
      state: 'running',
      isolation: mode,
    });
    return { host, crashes };
  };
}

describe.each(MODES)('the value model in %s isolation', (mode) => {
  const start = useValueHosts();

  it('delivers every argument of the table as the table says', async () => {
    const { host } = await start(mode);
    const values = host.service<Values>('values');
    const wrong: { name: string; got: string; want: string }[] = [];
    for (const entry of CROSSINGS) {
      const got = await values.received(entry.make());
      const want = describeValue((entry.arrives ?? entry.make)());
      if (got !== want) wrong.push({ name: entry.name, got, want });
    }
    expect(wrong).toEqual([]);
  });

  it('delivers every result of the table as the table says, leased or not', async () => {
    const { host } = await start(mode);
    const values = host.service<Values>('values');
    const leased = host.service<Values>('values', { zeroCopy: true });
    const wrong: { name: string; got: string; want: string }[] = [];
    for (const entry of CROSSINGS) {
      const want = describeValue((entry.arrives ?? entry.make)());
      const got = describeValue(await values.produce(entry.name));
      if (got !== want) wrong.push({ name: entry.name, got, want });
      const lease = await leased.produce(entry.name);
      const gotLeased = describeValue(lease.value);
      lease.release();
      if (gotLeased !== want) wrong.push({ name: `${entry.name} (leased)`, got: gotLeased, want });
    }
    expect(wrong).toEqual([]);
  });

  it('refuses what the model refuses in an argument, naming its path, before the plugin sees it', async () => {
    const { host, crashes } = await start(mode);
    const values = host.service<Values>('values');
    const before = await values.receivedCount();
    for (const entry of REFUSALS) {
      const path = `args[0]${entry.path}`;
      const error = await rejection(values.received(entry.make()));
      expect(error, entry.name).toMatchObject({
        code: codes.UNENCODABLE,
        plugin: PLUGIN,
        service: 'values',
        method: 'received',
        data: { path },
      });
      expect(error.message, entry.name).toContain(path);
    }
    expect(await values.receivedCount()).toBe(before);
    expect(await values.received('after')).toBe('"after"');
    expect(crashes).toEqual([]);
  });

  it('refuses what the model refuses in a result, naming its path, and keeps serving', async () => {
    const { host, crashes } = await start(mode);
    const values = host.service<Values>('values');
    for (const entry of REFUSALS) {
      const path = `result${entry.path}`;
      const error = await rejection(values.produce(entry.name));
      expect(error, entry.name).toMatchObject({
        code: codes.UNENCODABLE,
        plugin: PLUGIN,
        service: 'values',
        method: 'produce',
        data: { path },
      });
      expect(error.message, entry.name).toContain(path);
      expect(await values.ping()).toBe('pong');
    }
    // The encoder is not left in a broken state by the refusals.
    expect(describeValue(await values.produce('nested plain data'))).toBe(
      describeValue({ list: [{ id: 1, tags: ['a', 'b'] }], meta: { at: new Date(0), n: null } }),
    );
    expect(crashes).toEqual([]);
  });
});

describe('inline isolation', () => {
  const start = useValueHosts();

  it('passes copies by default, and the values themselves with inlineValues: "reference"', async () => {
    const copying = (await start('inline')).host.service<Values>('values');
    const sent = { id: 1 };
    const back = await copying.stamp(sent);
    expect(sent).toEqual({ id: 1 });
    expect(back).toEqual({ id: 1, stamped: true });
    expect(back).not.toBe(sent);

    const sharing = (await start('inline', { inlineValues: 'reference' })).host.service<Values>(
      'values',
    );
    const shared = { id: 2 };
    expect(await sharing.stamp(shared)).toBe(shared);
    expect(shared).toEqual({ id: 2, stamped: true });
    // Nothing is checked either: a function goes through as it is.
    const handler = (): number => 1;
    expect(await sharing.stamp({ handler })).toMatchObject({ handler, stamped: true });
  });
});
