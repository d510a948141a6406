import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

import { codes } from '../../../src/errors.js';
import { resolveHostOptions } from '../../../src/host/host-options.js';
import { makeRecord, type RecordContext } from '../../../src/host/make-record.js';
import type { PluginRecord } from '../../../src/host/plugin-record.js';
import { PluginRecords } from '../../../src/host/plugin-records.js';
import { createServiceResolver } from '../../../src/host/resolve-service.js';
import { parseManifest, type LoadedManifest } from '../../../src/manifest/index.js';

const logger = pino({ level: 'silent' });

/** Real records (never started) of plugins providing `services`, kept in `records`. */
function recordsOf(records: PluginRecords): (name: string, services: string[]) => PluginRecord {
  const context: RecordContext = {
    options: resolveHostOptions({ logger, plugins: [], dataDir: '/nowhere' }),
    log: logger,
    serviceConfigs: () => [],
    emit: () => {},
    touch: () => records.touch(),
  };
  return (name, services) => {
    const dir = join('/plugins', name);
    const manifest = parseManifest(
      {
        name,
        version: '1.0.0',
        engines: { berth: '>=0.0.0' },
        main: 'index.js',
        services: services.map((service) => ({ name: service, contract: `${service}@1` })),
      },
      join(dir, 'plugin.json'),
    );
    const loaded: LoadedManifest = {
      manifest,
      dir,
      manifestPath: join(dir, 'plugin.json'),
      mainPath: join(dir, 'index.js'),
    };
    return makeRecord(context, loaded, false);
  };
}

describe('createServiceResolver', () => {
  it('resolves once per change of the records, not once per call', () => {
    const records = new PluginRecords();
    const make = recordsOf(records);
    const memory = make('memory-storage', ['storage']);
    records.set('memory-storage', memory);
    const resolve = createServiceResolver(records, 'storage', () => true);

    const first = resolve();
    expect(first).toEqual({ record: memory, service: 'storage' });
    // The very same object while nothing changes: no lookup ran.
    expect(resolve()).toBe(first);
    expect(resolve()).toBe(first);

    // A new active version (a record replaced) is picked up at the next call.
    const upgraded = make('memory-storage', ['storage']);
    records.set('memory-storage', upgraded);
    expect(resolve().record).toBe(upgraded);
  });

  it('follows enable and disable, which decide between providers of a bare name', () => {
    const records = new PluginRecords();
    const make = recordsOf(records);
    const memory = make('memory-storage', ['storage']);
    const sqlite = make('sqlite-storage', ['storage']);
    sqlite.enabled = false;
    records.set('memory-storage', memory).set('sqlite-storage', sqlite);
    const resolve = createServiceResolver(records, 'storage', () => true);
    expect(resolve().record).toBe(memory);

    const before = records.generation;
    sqlite.enabled = true;
    expect(records.generation).toBeGreaterThan(before);
    expect(() => resolve()).toThrow(expect.objectContaining({ code: codes.SERVICE_AMBIGUOUS }));

    memory.enabled = false;
    expect(resolve().record).toBe(sqlite);
    // Setting the flag to the value it has changes nothing.
    const steady = records.generation;
    memory.enabled = false;
    expect(records.generation).toBe(steady);
  });

  it('looks again after a failed lookup, so a plugin registered later is found', () => {
    const records = new PluginRecords();
    const make = recordsOf(records);
    const resolve = createServiceResolver(records, 'echo', () => false);
    expect(() => resolve()).toThrow(expect.objectContaining({ code: codes.SERVICE_NOT_FOUND }));
    const echo = make('echo', ['echo']);
    records.set('echo', echo);
    expect(resolve().record).toBe(echo);
    records.delete('echo');
    expect(() => resolve()).toThrow(expect.objectContaining({ code: codes.SERVICE_NOT_FOUND }));
  });
});
