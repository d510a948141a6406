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
 * Each suite opens one storage before its first test and closes it after its last, even
 * when tests fail: opening one per test cost a worker start, or a schema and its
 * migrations, every time, and dominated the run. Before every test the suite deletes
 * every resource through the StorageLayer itself and checks that the store then lists
 * nothing, so each test still starts on an empty store whatever ran before it. All that
 * carries over is what the contract allows: revisions keep counting up, and no test
 * depends on their absolute values. The tests use only the StorageLayer interface and
 * data that survives any wire codec, and assert on error `code`s, never on message text.
 */
import assert from 'node:assert';
import { afterAll, beforeAll, beforeEach, describe } from 'vitest';
import type { StorageLayer } from '../../src/contracts/storage.js';
import { emptyStorage } from './storage/fixtures.js';
import { describePaging } from './storage/paging.js';
import { describePayloads } from './storage/payloads.js';
import { describeQueries } from './storage/queries.js';
import { describeWrites } from './storage/writes.js';

/** A storage opened for one suite, and how to release it. */
export interface OpenedStorage {
  storage: StorageLayer;
  /** Releases the storage; called once, after the suite's last test. */
  close(): Promise<void>;
}

/**
 * Registers the whole suite under `storage@1 conformance: <label>`. `open` must return an
 * empty storage; the suite calls it once, before its first test, and calls `close` on
 * what it returned after its last.
 */
export function describeStorageConformance(
  label: string,
  open: () => Promise<OpenedStorage>,
): void {
  describe(`storage@1 conformance: ${label}`, () => {
    let opened: OpenedStorage | undefined;

    beforeAll(async () => {
      opened = await open();
    });

    afterAll(async () => {
      const closing = opened;
      opened = undefined;
      await closing?.close();
    });

    const current = (): StorageLayer => {
      assert(opened !== undefined, 'storage is used outside a test');
      return opened.storage;
    };

    // After the 10,000-resource listing this deletes 10,000 resources, so it gets that
    // test's bound (durable deletes on a loaded 2-core CI machine), not the hook default.
    beforeEach(() => emptyStorage(current()), 90_000);

    describeWrites(current);
    describeQueries(current);
    describePaging(current);
    describePayloads(current);
  });
}
