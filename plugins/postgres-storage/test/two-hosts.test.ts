/**
 * Scaling out: two Berth hosts, each running postgres-storage in its own worker thread
 * with its own connection pool, on one database and one schema. What one writes the
 * other reads; conditional writes race safely; revisions stay store-wide and increasing.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codes } from 'berth/sdk';
import type { ResourceKey, StorageLayer } from 'berth/sdk';
import { startTestPlugin } from 'berth/testing';
import type { TestPlugin } from 'berth/testing';
import { databaseUrl, dropSchema, uniqueSchema } from './test-database.js';

const pluginDir = fileURLToPath(new URL('../', import.meta.url));
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const keyOf = (name: string): ResourceKey => ({
  cluster: 'east',
  type: 'apps/v1/deployments',
  namespace: 'shop',
  name,
});

describe('two hosts on one PostgreSQL schema', () => {
  let schema = '';
  let hosts: TestPlugin[] = [];
  let a: StorageLayer;
  let b: StorageLayer;

  beforeEach(async () => {
    schema = uniqueSchema();
    const config = { storage: { schema, connectionString: databaseUrl } };
    // Started together, so both race to migrate the new schema (the advisory lock's job).
    const started = await Promise.allSettled(
      [0, 1].map(() => startTestPlugin(pluginDir, { isolation: 'thread', config })),
    );
    hosts = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    [a, b] = hosts.map((host) => host.service<StorageLayer>('storage')) as [
      StorageLayer,
      StorageLayer,
    ];
  });

  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((host) => host.close()));
    await dropSchema(schema);
  });

  it('reads through one host what was written through the other', async () => {
    const { revision } = await a.put({ ...keyOf('web'), labels: { app: 'web' }, body: utf8('1') });
    expect(await b.get(keyOf('web'))).toMatchObject({ revision, labels: { app: 'web' } });
    expect((await b.list({ labelSelector: 'app=web' })).items.map((i) => i.name)).toEqual(['web']);
    const update = await b.put({ ...keyOf('web'), body: utf8('2'), expectedRevision: revision });
    expect((await a.get(keyOf('web')))?.revision).toBe(update.revision);
    expect(await b.delete({ ...keyOf('web'), expectedRevision: update.revision })).toEqual({
      deleted: true,
    });
    expect(await a.get(keyOf('web'))).toBeNull();
  });

  it('lets exactly one of two concurrent conditional puts from different hosts succeed', async () => {
    for (let round = 0; round < 25; round += 1) {
      const key = keyOf(`race-${round}`);
      // Even rounds race to create (expected 0), odd rounds to update a seeded resource.
      const expected = round % 2 === 0 ? 0 : (await a.put({ ...key, body: utf8('seed') })).revision;
      const outcomes = await Promise.allSettled([
        a.put({ ...key, body: utf8('from a'), expectedRevision: expected }),
        b.put({ ...key, body: utf8('from b'), expectedRevision: expected }),
      ]);
      const winners = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
      const losers = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
      expect(winners).toHaveLength(1);
      expect(losers).toEqual([expect.objectContaining({ code: codes.REVISION_CONFLICT })]);
      expect((await b.get(key))?.revision).toBe(winners[0]?.revision);
    }
  });

  it('hands out revisions that increase strictly across hosts', async () => {
    const sequential: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const host = i % 2 === 0 ? a : b;
      sequential.push(
        (await host.put({ ...keyOf(`seq-${i % 3}`), body: utf8(String(i)) })).revision,
      );
    }
    for (let i = 1; i < sequential.length; i += 1) {
      expect(sequential[i]).toBeGreaterThan(sequential[i - 1] ?? Infinity);
    }

    // Concurrent writes of a few shared keys from both hosts: no revision is handed out
    // twice, and each key ends at the highest revision any of its writes returned.
    const writes = Array.from({ length: 60 }, (_, i) => ({
      host: i % 2 === 0 ? a : b,
      key: keyOf(`hot-${i % 4}`),
    }));
    const results = await Promise.all(
      writes.map(async ({ host, key }) => ({
        key,
        ...(await host.put({ ...key, body: utf8('x') })),
      })),
    );
    const revisions = results.map((r) => r.revision);
    expect(new Set(revisions).size).toBe(revisions.length);
    expect(Math.min(...revisions)).toBeGreaterThan(sequential.at(-1) ?? Infinity);
    for (let hot = 0; hot < 4; hot += 1) {
      const mine = results.filter((r) => r.key.name === `hot-${hot}`).map((r) => r.revision);
      expect((await a.get(keyOf(`hot-${hot}`)))?.revision).toBe(Math.max(...mine));
    }
    const listed = await b.list({ orderBy: 'revision', namePrefix: 'hot-' });
    expect(listed.items).toHaveLength(4);
  });
});
