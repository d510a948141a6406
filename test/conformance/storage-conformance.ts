/**
 * The storage@1 conformance suite: one set of vitest tests every storage plugin must
 * pass, whatever keeps its data and however it is called (in process, through the host
 * inline, in a worker thread).
 *
 * Usage, from a `*.test.ts` file:
 *
 *   describeStorageConformance('memory-storage', async () => {
 *     const storage = ...;                      // a fresh, empty store
 *     return { storage, close: async () => ... };
 *   });
 *
 * Every test opens a fresh, empty storage and closes it afterwards, even when it fails.
 * The tests use only the StorageLayer interface and data that survives any wire codec,
 * and assert on error `code`s, never on message text.
 */
import assert from 'node:assert';
import { afterEach, beforeEach, describe } from 'vitest';
import type { StorageLayer } from '../../src/contracts/storage.js';
import { describePaging } from './storage/paging.js';
import { describePayloads } from './storage/payloads.js';
import { describeQueries } from './storage/queries.js';
import { describeWrites } from './storage/writes.js';

/** A storage opened for one test, and how to release it. */
export interface OpenedStorage {
  storage: StorageLayer;
  /** Releases the storage; called once per test, after it settles. */
  close(): Promise<void>;
}

/**
 * Registers the whole suite under `storage@1 conformance: <label>`. `open` must return an
 * empty storage each time it is called; the suite calls `close` on it after each test.
 */
export function describeStorageConformance(
  label: string,
  open: () => Promise<OpenedStorage>,
): void {
  describe(`storage@1 conformance: ${label}`, () => {
    let opened: OpenedStorage | undefined;

    beforeEach(async () => {
      opened = await open();
    });

    afterEach(async () => {
      const closing = opened;
      opened = undefined;
      await closing?.close();
    });

    const current = (): StorageLayer => {
      assert(opened !== undefined, 'storage is used outside a test');
      return opened.storage;
    };

    describeWrites(current);
    describeQueries(current);
    describePaging(current);
    describePayloads(current);
  });
}
