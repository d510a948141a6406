/**
 * Conformance: put, get and delete, revisions and optimistic concurrency.
 */
import { describe, expect, it } from 'vitest';
import { codes } from '../../../src/errors.js';
import type { CurrentStorage } from './fixtures.js';
import { expectBytes, expectCode, keyOf, putResource, utf8 } from './fixtures.js';

/** Registers the write tests against the storage `current()` returns. */
export function describeWrites(current: CurrentStorage): void {
  describe('put and get', () => {
    it('returns null for a resource that was never put', async () => {
      expect(await current().get(keyOf('nothing'))).toBeNull();
    });

    it('creates a resource under a positive revision and reports it created', async () => {
      const result = await current().put({ ...keyOf('web'), body: utf8('{}') });
      expect(result.created).toBe(true);
      expect(Number.isInteger(result.revision) && result.revision > 0).toBe(true);
    });

    it('gets back the key, labels, body and revision that were put', async () => {
      const key = keyOf('web');
      const labels = { app: 'web', 'example.com/tier': 'frontend', empty: '' };
      const { revision } = await current().put({ ...key, labels, body: utf8('{"a":1}') });
      const stored = await current().get(key);
      expect(stored).toMatchObject({ ...key, revision, labels });
      expectBytes(stored?.body, utf8('{"a":1}'));
    });

    it('gets empty labels for a resource put without labels', async () => {
      await current().put({ ...keyOf('web'), body: utf8('{}') });
      expect((await current().get(keyOf('web')))?.labels).toEqual({});
    });

    it('updates an existing resource under a greater revision and reports it not created', async () => {
      const first = await current().put({ ...keyOf('web'), body: utf8('1') });
      const second = await current().put({ ...keyOf('web'), body: utf8('2') });
      expect(second.created).toBe(false);
      expect(second.revision).toBeGreaterThan(first.revision);
      const stored = await current().get(keyOf('web'));
      expect(stored?.revision).toBe(second.revision);
      expectBytes(stored?.body, utf8('2'));
    });

    it('gives every write a store-wide, strictly increasing revision', async () => {
      const revisions: number[] = [];
      for (const name of ['a', 'b', 'a', 'c', 'b']) {
        revisions.push(await putResource(current(), keyOf(name)));
      }
      for (let i = 1; i < revisions.length; i += 1) {
        expect(revisions[i]).toBeGreaterThan(revisions[i - 1] ?? Infinity);
      }
    });

    it('replaces labels on update, so an update without labels leaves none', async () => {
      await current().put({ ...keyOf('web'), labels: { a: '1', b: '2' }, body: utf8('') });
      await current().put({ ...keyOf('web'), labels: { b: '3' }, body: utf8('') });
      expect((await current().get(keyOf('web')))?.labels).toEqual({ b: '3' });
      await current().put({ ...keyOf('web'), body: utf8('') });
      expect((await current().get(keyOf('web')))?.labels).toEqual({});
    });

    it('keeps apart resources that differ in one key field only', async () => {
      const keys = [
        keyOf('web'),
        keyOf('web', { cluster: 'west' }),
        keyOf('web', { type: 'core/v1/pods' }),
        keyOf('web', { namespace: 'admin' }),
        keyOf('web', { namespace: '' }),
        keyOf('Web'),
      ];
      for (const [i, key] of keys.entries()) {
        await current().put({ ...key, body: utf8(String(i)) });
      }
      for (const [i, key] of keys.entries()) {
        expectBytes((await current().get(key))?.body, utf8(String(i)));
      }
    });
  });

  describe('expected revisions', () => {
    it('creates with expectedRevision 0 only while the resource is absent', async () => {
      const created = await current().put({
        ...keyOf('web'),
        body: utf8('1'),
        expectedRevision: 0,
      });
      expect(created.created).toBe(true);
      await expectCode(
        current().put({ ...keyOf('web'), body: utf8('2'), expectedRevision: 0 }),
        codes.REVISION_CONFLICT,
      );
      const stored = await current().get(keyOf('web'));
      expect(stored?.revision).toBe(created.revision);
      expectBytes(stored?.body, utf8('1'));
    });

    it('updates with the current revision and refuses a stale one, changing nothing', async () => {
      const first = await current().put({ ...keyOf('web'), body: utf8('1') });
      const second = await current().put({
        ...keyOf('web'),
        body: utf8('2'),
        expectedRevision: first.revision,
      });
      expect(second.created).toBe(false);
      await expectCode(
        current().put({ ...keyOf('web'), body: utf8('3'), expectedRevision: first.revision }),
        codes.REVISION_CONFLICT,
      );
      const stored = await current().get(keyOf('web'));
      expect(stored?.revision).toBe(second.revision);
      expectBytes(stored?.body, utf8('2'));
    });

    it('refuses a positive expectedRevision for an absent resource without creating it', async () => {
      await expectCode(
        current().put({ ...keyOf('web'), body: utf8('1'), expectedRevision: 1 }),
        codes.REVISION_CONFLICT,
      );
      expect(await current().get(keyOf('web'))).toBeNull();
    });
  });

  describe('delete', () => {
    it('deletes an existing resource, after which get returns null', async () => {
      await putResource(current(), keyOf('web'));
      expect(await current().delete(keyOf('web'))).toEqual({ deleted: true });
      expect(await current().get(keyOf('web'))).toBeNull();
    });

    it('reports deleted: false for a missing resource', async () => {
      expect(await current().delete(keyOf('web'))).toEqual({ deleted: false });
      await putResource(current(), keyOf('web'));
      await current().delete(keyOf('web'));
      expect(await current().delete(keyOf('web'))).toEqual({ deleted: false });
    });

    it('deletes with the current revision and refuses a stale one, keeping the resource', async () => {
      const first = await putResource(current(), keyOf('web'));
      const second = await putResource(current(), keyOf('web'));
      await expectCode(
        current().delete({ ...keyOf('web'), expectedRevision: first }),
        codes.REVISION_CONFLICT,
      );
      expect((await current().get(keyOf('web')))?.revision).toBe(second);
      expect(await current().delete({ ...keyOf('web'), expectedRevision: second })).toEqual({
        deleted: true,
      });
    });

    it('treats expectedRevision on delete like on put: 0 means absent', async () => {
      expect(await current().delete({ ...keyOf('web'), expectedRevision: 0 })).toEqual({
        deleted: false,
      });
      await expectCode(
        current().delete({ ...keyOf('web'), expectedRevision: 5 }),
        codes.REVISION_CONFLICT,
      );
      await putResource(current(), keyOf('web'));
      await expectCode(
        current().delete({ ...keyOf('web'), expectedRevision: 0 }),
        codes.REVISION_CONFLICT,
      );
      expect(await current().get(keyOf('web'))).not.toBeNull();
    });

    it('recreates a deleted resource as new, under a greater revision', async () => {
      const before = await putResource(current(), keyOf('web'));
      await current().delete(keyOf('web'));
      const again = await current().put({ ...keyOf('web'), body: utf8('{}') });
      expect(again.created).toBe(true);
      expect(again.revision).toBeGreaterThan(before);
    });
  });

  describe('isolation of stored data', () => {
    it('keeps the stored body when the caller reuses the buffer it put', async () => {
      const buffer = utf8('original');
      await current().put({ ...keyOf('web'), body: buffer });
      buffer.fill(0x21);
      expectBytes((await current().get(keyOf('web')))?.body, utf8('original'));
    });

    it('keeps the stored resource when the caller mutates what get and list returned', async () => {
      await current().put({ ...keyOf('web'), labels: { app: 'web' }, body: utf8('original') });
      const got = await current().get(keyOf('web'));
      got?.body.fill(0x21);
      if (got !== null) got.labels['app'] = 'changed';
      const listed = await current().list({});
      listed.items[0]?.body.fill(0x21);
      const again = await current().get(keyOf('web'));
      expectBytes(again?.body, utf8('original'));
      expect(again?.labels).toEqual({ app: 'web' });
      expectBytes((await current().list({})).items[0]?.body, utf8('original'));
    });
  });
}
