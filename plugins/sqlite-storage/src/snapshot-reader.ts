/**
 * Consistent reads that yield: a `list` may run several statements with the event loop
 * free between them, and writes may commit meanwhile. Running them all in one read
 * transaction on a separate connection gives the listing one snapshot (WAL: a reader sees
 * the database as of its first read, and neither blocks nor is blocked by the writer),
 * so an item updated mid-listing cannot show up twice in one page.
 *
 * One connection holds one transaction, so listings take turns on it.
 */
import type Database from 'better-sqlite3';

/** Runs read-only work in a snapshot of the reader connection, one at a time. */
export class SnapshotReader {
  readonly #db: Database.Database;
  readonly #begin: Database.Statement;
  readonly #end: Database.Statement;
  #tail: Promise<unknown> = Promise.resolve();

  constructor(db: Database.Database) {
    this.#db = db;
    this.#begin = db.prepare('BEGIN');
    this.#end = db.prepare('COMMIT');
  }

  /**
   * Runs `work` inside a read transaction once the previous one has finished, and ends
   * the transaction however `work` settles.
   */
  read<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(async () => {
      this.#begin.run();
      try {
        return await work();
      } finally {
        if (this.#db.inTransaction) this.#end.run();
      }
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }
}
