/**
 * The schema, as an ordered list of migrations applied by `migrate`. The database's
 * `user_version` holds how many have been applied; each runs once, in its own write
 * transaction together with the bump of `user_version`, so a crash leaves either all of
 * a migration or none of it. Migrations are append-only: a released one never changes.
 */
import type Database from 'better-sqlite3';
import { BerthError, codes } from 'berth/sdk';

/**
 * Migration n (1-based) is `MIGRATIONS[n - 1]`.
 *
 * 1. The store:
 *    - `store_revision`: the one-row, store-wide revision counter. It only grows, and a
 *      delete does not give a number back, so revisions are never reused (a
 *      `max(revision)` would reuse the top one after deleting it).
 *    - `resources`: one row per key. A rowid table with a unique key index rather than a
 *      key primary key, so labels refer to a resource by a small integer, not by four
 *      strings. Text compares with the default BINARY collation: UTF-8 byte order,
 *      which is the code point order of the shared comparator (list-order.ts).
 *      One index per list order, each ending with the full key (revision alone is unique),
 *      so every order is read from an index and never sorted in a statement.
 *    - `labels`: one row per (resource, key); deleted with their resource.
 *      `labels_by_key_value` serves lookups by label (`app=web` -> resources).
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE store_revision (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    revision INTEGER NOT NULL
  ) STRICT;
  INSERT INTO store_revision (id, revision) VALUES (1, 0);

  CREATE TABLE resources (
    id INTEGER PRIMARY KEY,
    cluster TEXT NOT NULL,
    type TEXT NOT NULL,
    namespace TEXT NOT NULL,
    name TEXT NOT NULL,
    revision INTEGER NOT NULL,
    body BLOB NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX resources_by_key ON resources (cluster, type, namespace, name);
  CREATE INDEX resources_by_name ON resources (name, namespace, cluster, type);
  CREATE UNIQUE INDEX resources_by_revision ON resources (revision);

  CREATE TABLE labels (
    resource_id INTEGER NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (resource_id, key)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX labels_by_key_value ON labels (key, value, resource_id);
  `,
];

/**
 * Brings the schema of `db` up to date; returns the schema version it is at. Safe to
 * call from several connections or processes at once: each migration re-reads the
 * version inside its `BEGIN IMMEDIATE`, so only one of them applies it. Throws
 * `BERTH_ERR_START_FAILED` for a database written by a newer version of the plugin.
 */
export function migrate(db: Database.Database): number {
  const readVersion = (): number => db.pragma('user_version', { simple: true }) as number;
  for (let target = 1; target <= MIGRATIONS.length; target += 1) {
    const sql = MIGRATIONS[target - 1];
    if (sql === undefined) break;
    db.transaction(() => {
      if (readVersion() >= target) return;
      db.exec(sql);
      // user_version lives in the database header, so this write commits (or rolls back)
      // with the migration.
      db.pragma(`user_version = ${target}`);
    }).immediate();
  }
  const version = readVersion();
  if (version > MIGRATIONS.length) {
    throw new BerthError(
      codes.START_FAILED,
      `the database is at schema version ${version}, newer than this sqlite-storage knows (${MIGRATIONS.length}); upgrade the plugin`,
      { data: { schemaVersion: version, known: MIGRATIONS.length } },
    );
  }
  return version;
}
