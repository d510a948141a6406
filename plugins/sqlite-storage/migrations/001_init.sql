-- sqlite-storage, schema 1: the store.
--
-- store_revision: the one-row, store-wide revision counter. It only grows, and a delete
--   does not give a number back, so revisions are never reused (a max(revision) would
--   reuse the top one after deleting it).
-- resources: one row per key. A rowid table with a unique key index rather than a key
--   primary key, so labels refer to a resource by a small integer, not by four strings.
--   Text compares with the default BINARY collation: UTF-8 byte order, which is the code
--   point order of the shared comparator (list-order.ts). One index per list order, each
--   ending with the full key (revision alone is unique), so every order is read from an
--   index and never sorted in a statement.
-- labels: one row per (resource, key); deleted with their resource. labels_by_key_value
--   serves lookups by label (app=web -> resources).

-- berth:up
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

-- berth:down
-- Indexes go with their tables; labels first, since they refer to resources.
DROP TABLE labels;
DROP TABLE resources;
DROP TABLE store_revision;
