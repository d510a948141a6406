-- postgres-storage, schema 1: the store, in the schema the service is configured with
-- (@config.schema, a lower-case identifier the config checks, quoted here).

-- berth:up
-- A schema created by the development versions of this plugin (which kept their own
-- schema_migrations table) is refused rather than half-migrated; nothing was released
-- with it.
DO $legacy$
BEGIN
  IF to_regclass('"@config.schema".schema_migrations') IS NOT NULL THEN
    RAISE EXCEPTION 'schema "@config.schema" was made by a development version of postgres-storage (it has schema_migrations); drop it or configure another schema';
  END IF;
END
$legacy$;

CREATE SCHEMA IF NOT EXISTS "@config.schema";

-- CACHE 1 (the default) matters: with a per-session cache, two hosts would hand out
-- interleaved blocks and a later write could get a smaller revision.
CREATE SEQUENCE "@config.schema".revisions AS BIGINT MINVALUE 1 CACHE 1 NO CYCLE;

-- COLLATE "C": byte order of UTF-8, i.e. code point order, the order the shared
-- comparator (list-order.ts) defines, whatever the database's own locale is.
CREATE TABLE "@config.schema".resources (
  cluster   TEXT COLLATE "C" NOT NULL,
  type      TEXT COLLATE "C" NOT NULL,
  namespace TEXT COLLATE "C" NOT NULL,
  name      TEXT COLLATE "C" NOT NULL,
  revision  BIGINT NOT NULL,
  body      BYTEA NOT NULL,
  PRIMARY KEY (cluster, type, namespace, name)
);
-- The primary key serves the "key" order; these serve "name" and "revision".
CREATE INDEX resources_by_name ON "@config.schema".resources (name, namespace, cluster, type);
CREATE INDEX resources_by_revision ON "@config.schema".resources (revision);

CREATE TABLE "@config.schema".labels (
  cluster   TEXT COLLATE "C" NOT NULL,
  type      TEXT COLLATE "C" NOT NULL,
  namespace TEXT COLLATE "C" NOT NULL,
  name      TEXT COLLATE "C" NOT NULL,
  key       TEXT COLLATE "C" NOT NULL,
  value     TEXT COLLATE "C" NOT NULL,
  PRIMARY KEY (cluster, type, namespace, name, key),
  FOREIGN KEY (cluster, type, namespace, name)
    REFERENCES "@config.schema".resources ON DELETE CASCADE
);
CREATE INDEX labels_by_key_value ON "@config.schema".labels (key, value);

-- put_resource(...): a whole put in one round trip (one call instead of five
-- statements), atomic because it is one statement. It locks the row (FOR UPDATE), checks
-- the expected revision against what it locked, and only then draws the next revision,
-- so writers of one resource draw in the order they write. When a concurrent creator
-- wins the INSERT, ON CONFLICT waits for it to commit, and the loop comes round to lock
-- its row: a volatile function's next statement sees rows committed meanwhile. On a
-- failed check it changes nothing and returns o_revision NULL with the current one.
CREATE FUNCTION "@config.schema".put_resource(
  p_cluster TEXT, p_type TEXT, p_namespace TEXT, p_name TEXT, p_body BYTEA,
  p_label_keys TEXT[], p_label_values TEXT[], p_expected BIGINT,
  OUT o_revision BIGINT, OUT o_created BOOLEAN, OUT o_current BIGINT)
LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
  FOR attempt IN 1..5 LOOP
    SELECT r.revision INTO o_current FROM "@config.schema".resources r
      WHERE r.cluster = p_cluster AND r.type = p_type
        AND r.namespace = p_namespace AND r.name = p_name
      FOR UPDATE;
    o_current := COALESCE(o_current, 0);
    IF p_expected IS NOT NULL AND p_expected <> o_current THEN
      RETURN;
    END IF;
    IF o_current <> 0 THEN
      UPDATE "@config.schema".resources r
        SET revision = nextval('"@config.schema".revisions'), body = p_body
        WHERE r.cluster = p_cluster AND r.type = p_type
          AND r.namespace = p_namespace AND r.name = p_name
        RETURNING r.revision INTO o_revision;
      DELETE FROM "@config.schema".labels l
        WHERE l.cluster = p_cluster AND l.type = p_type
          AND l.namespace = p_namespace AND l.name = p_name;
    ELSE
      INSERT INTO "@config.schema".resources AS r (cluster, type, namespace, name, revision, body)
        VALUES (p_cluster, p_type, p_namespace, p_name, nextval('"@config.schema".revisions'), p_body)
        ON CONFLICT DO NOTHING
        RETURNING r.revision INTO o_revision;
      CONTINUE WHEN o_revision IS NULL;
    END IF;
    o_created := o_current = 0;
    INSERT INTO "@config.schema".labels (cluster, type, namespace, name, key, value)
      SELECT p_cluster, p_type, p_namespace, p_name, k, v
      FROM unnest(p_label_keys, p_label_values) AS t(k, v);
    RETURN;
  END LOOP;
  RAISE EXCEPTION 'put_resource lost the race to create %/%/%/% five times',
    p_cluster, p_type, p_namespace, p_name;
END
$fn$;

-- berth:down
-- The schema itself stays: it may hold other things (it may be "public"), and it holds
-- berth_migrations.
DROP FUNCTION "@config.schema".put_resource;
DROP TABLE "@config.schema".labels;
DROP TABLE "@config.schema".resources;
DROP SEQUENCE "@config.schema".revisions;
