/**
 * The fixed statements of the store, each prepared once per connection when the service
 * starts (list statements vary with the query; list-statements.ts caches those).
 */
import type Database from 'better-sqlite3';

/** A resource's row id and current revision, as read before a write. */
export interface CurrentRow {
  id: number;
  revision: number;
}

/** The writer connection's statements. */
export interface WriterStatements {
  /** (cluster, type, namespace, name) -> CurrentRow | undefined */
  current: Database.Statement<[string, string, string, string], CurrentRow>;
  /** Takes the next store-wide revision. */
  nextRevision: Database.Statement<[], number>;
  /** (cluster, type, namespace, name, revision, body) -> the new row id */
  insertResource: Database.Statement<[string, string, string, string, number, Uint8Array], number>;
  /** (revision, body, id) */
  updateResource: Database.Statement<[number, Uint8Array, number]>;
  /** (id); its labels go with it (ON DELETE CASCADE) */
  deleteResource: Database.Statement<[number]>;
  /** (id) */
  deleteLabels: Database.Statement<[number]>;
  /** (id, key, value) */
  insertLabel: Database.Statement<[number, string, string]>;
  /** (cluster, type, namespace, name) -> the row for `get` */
  resource: Database.Statement<
    [string, string, string, string],
    { id: number; revision: number; body: Uint8Array }
  >;
  /** (id) -> [key, value] rows */
  labels: Database.Statement<[number], [string, string]>;
  /** The last revision handed out. */
  revision: Database.Statement<[], number>;
}

/** The reader connection's statements (list pages fetch bodies and labels by row id). */
export interface ReaderStatements {
  body: Database.Statement<[number], Uint8Array>;
  labels: Database.Statement<[number], [string, string]>;
}

const BY_KEY = 'cluster = ? AND type = ? AND namespace = ? AND name = ?';
const LABELS = 'SELECT key, value FROM labels WHERE resource_id = ?';

/** Prepares the writer's statements. */
export function prepareWriterStatements(db: Database.Database): WriterStatements {
  return {
    current: db.prepare(`SELECT id, revision FROM resources WHERE ${BY_KEY}`),
    nextRevision: db
      .prepare<[], number>(
        'UPDATE store_revision SET revision = revision + 1 WHERE id = 1 RETURNING revision',
      )
      .pluck(),
    insertResource: db
      .prepare<[string, string, string, string, number, Uint8Array], number>(
        'INSERT INTO resources (cluster, type, namespace, name, revision, body) VALUES (?, ?, ?, ?, ?, ?) RETURNING id',
      )
      .pluck(),
    updateResource: db.prepare('UPDATE resources SET revision = ?, body = ? WHERE id = ?'),
    deleteResource: db.prepare('DELETE FROM resources WHERE id = ?'),
    deleteLabels: db.prepare('DELETE FROM labels WHERE resource_id = ?'),
    insertLabel: db.prepare('INSERT INTO labels (resource_id, key, value) VALUES (?, ?, ?)'),
    resource: db.prepare(`SELECT id, revision, body FROM resources WHERE ${BY_KEY}`),
    labels: db.prepare<[number], [string, string]>(LABELS).raw(),
    revision: db.prepare<[], number>('SELECT revision FROM store_revision WHERE id = 1').pluck(),
  };
}

/** Prepares the reader's statements. */
export function prepareReaderStatements(db: Database.Database): ReaderStatements {
  return {
    body: db.prepare<[number], Uint8Array>('SELECT body FROM resources WHERE id = ?').pluck(),
    labels: db.prepare<[number], [string, string]>(LABELS).raw(),
  };
}

/** A labels object from `[key, value]` rows. */
export function labelsOf(rows: readonly (readonly [string, string])[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, value] of rows) labels[key] = value;
  return labels;
}
