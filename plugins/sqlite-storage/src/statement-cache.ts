/**
 * Prepared statements for SQL built per query shape (list chunks): each distinct text is
 * prepared once and reused. Bounded, least recently used out first, because selectors
 * make the number of shapes open-ended.
 */
import type Database from 'better-sqlite3';

/** An LRU of prepared statements on one connection. */
export class StatementCache {
  readonly #db: Database.Database;
  readonly #capacity: number;
  /** A Map iterates in insertion order, so re-inserting on use keeps the oldest first. */
  readonly #statements = new Map<string, Database.Statement>();

  constructor(db: Database.Database, capacity = 128) {
    this.#db = db;
    this.#capacity = capacity;
  }

  /** The statement for `sql`, prepared now if it is not cached. */
  get(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      if (this.#statements.size >= this.#capacity) {
        const oldest = this.#statements.keys().next();
        if (oldest.done !== true) this.#statements.delete(oldest.value);
      }
    } else {
      this.#statements.delete(sql);
    }
    this.#statements.set(sql, statement);
    return statement;
  }

  /** How many statements are cached. */
  get size(): number {
    return this.#statements.size;
  }
}
