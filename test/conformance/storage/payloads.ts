/**
 * Conformance: bodies of any size and content, non-ASCII keys, and malformed requests.
 */
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import type { PutRequest } from '../../../src/contracts/storage.js';
import { codes } from '../../../src/errors.js';
import type { CurrentStorage } from './fixtures.js';
import { expectBytes, expectCode, idsOf, keyOf, putResource, utf8 } from './fixtures.js';

/** `length` bytes that are neither all equal nor valid UTF-8, from a fixed seed. */
function noise(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = 0x2545f491;
  for (let i = 0; i < length; i += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[i] = state & 0xff;
  }
  return bytes;
}

/** Names in several scripts, including the same word precomposed and decomposed. */
const UNICODE_NAMES = ['café', 'cafe\u0301', '中文', '😀-smile', 'ｗｅｂ', 'Ωmega', 'z'];

/** Registers the body, name and request-checking tests against `current()`. */
export function describePayloads(current: CurrentStorage): void {
  describe('bodies', () => {
    it('returns an empty body as zero bytes', async () => {
      await current().put({ ...keyOf('empty'), body: new Uint8Array(0) });
      expectBytes((await current().get(keyOf('empty')))?.body, new Uint8Array(0));
      expectBytes((await current().list({})).items[0]?.body, new Uint8Array(0));
    });

    it('returns every byte value unchanged, whether or not it is valid UTF-8', async () => {
      const body = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
      await current().put({ ...keyOf('bytes'), body });
      expectBytes((await current().get(keyOf('bytes')))?.body, body);
    });

    it('returns a body over 1 MiB byte-exact from get and from list', async () => {
      const body = noise(1024 * 1024 + 7);
      await current().put({ ...keyOf('large'), body });
      await putResource(current(), keyOf('small'));
      expectBytes((await current().get(keyOf('large')))?.body, body);
      const listed = (await current().list({ namePrefix: 'large' })).items[0];
      expectBytes(listed?.body, body);
    });

    it('stores a body given as a view into a larger buffer, and only that view', async () => {
      const backing = utf8('xxhello worldxx');
      const view = backing.subarray(2, 13);
      await current().put({ ...keyOf('view'), body: view });
      expectBytes((await current().get(keyOf('view')))?.body, utf8('hello world'));
    });
  });

  describe('non-ASCII keys', () => {
    it('round-trips names, namespaces and clusters in any script, unnormalised', async () => {
      for (const name of UNICODE_NAMES) {
        await current().put({ ...keyOf(name), body: utf8(name) });
      }
      const elsewhere = keyOf('ünïcode', { cluster: '東京', namespace: 'prod-ü' });
      await current().put({ ...elsewhere, body: utf8('elsewhere') });
      for (const name of UNICODE_NAMES) {
        const stored = await current().get(keyOf(name));
        expect(stored?.name).toBe(name);
        expectBytes(stored?.body, utf8(name));
      }
      expect((await current().get(elsewhere))?.namespace).toBe('prod-ü');
      expect(await current().get(keyOf('cafe'))).toBeNull();
    });

    it('orders names by code point (UTF-8 byte order) and matches prefixes exactly', async () => {
      for (const name of UNICODE_NAMES) await putResource(current(), keyOf(name));
      const byBytes = [...UNICODE_NAMES].sort((a, b) => Buffer.compare(utf8(a), utf8(b)));
      const listed = (await current().list({})).items.map((item) => item.name);
      expect(listed).toEqual(byBytes);
      const cafes = (await current().list({ namePrefix: 'caf' })).items;
      expect(idsOf(cafes)).toEqual(idsOf([keyOf('cafe\u0301'), keyOf('café')]));
      const precomposed = (await current().list({ namePrefix: 'café' })).items;
      expect(precomposed.map((item) => item.name)).toEqual(['café']);
    });
  });

  describe('malformed requests', () => {
    const body = utf8('{}');
    it.each<[string, unknown]>([
      ['an empty cluster', { ...keyOf('web'), cluster: '', body }],
      ['an empty type', { ...keyOf('web'), type: '', body }],
      ['an empty name', { ...keyOf(''), body }],
      ['a missing namespace', { cluster: 'east', type: 'core/v1/pods', name: 'web', body }],
      ['a body that is not bytes', { ...keyOf('web'), body: '{}' }],
      ['an invalid label key', { ...keyOf('web'), body, labels: { 'not valid!': 'x' } }],
      ['a negative expected revision', { ...keyOf('web'), body, expectedRevision: -1 }],
    ])('refuses a put with %s, storing nothing', async (_, request) => {
      await expectCode(current().put(request as PutRequest), codes.INVALID_ARGUMENT);
      expect((await current().list({})).items).toEqual([]);
    });

    it('refuses get and delete of a key with an empty name', async () => {
      await expectCode(current().get(keyOf('')), codes.INVALID_ARGUMENT);
      await expectCode(current().delete(keyOf('')), codes.INVALID_ARGUMENT);
    });
  });
}
