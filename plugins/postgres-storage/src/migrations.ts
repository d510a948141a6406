/**
 * The store's schema, as an ordered list of migrations the plugin owns and applies itself
 * at start. Applied ones are recorded in `<schema>.schema_migrations`; each runs once, in
 * its own transaction, under a transaction-scoped advisory lock keyed by the schema name.
 *
 * Several hosts may start at once against one database. Without the lock two of them
 * could both see migration 1 as missing and both run `CREATE TABLE`, and one would fail
 * (or, for a data migration, apply it twice). With it the second waits, then finds the
 * migration recorded and skips it. The lock is released by COMMIT or ROLLBACK, so a
 * host that dies mid-migration cannot leave it held.
 */
import type { Pool } from 'pg';
import { quoteSchema } from './postgres-config.js';
import { inTransaction } from './transaction.js';

/** One step of the schema; `sql` receives the quoted schema name. */
export interface Migration {
  /** Dense, starting at 1; recorded once applied, never renumbered. */
  readonly id: number;
  readonly name: string;
  sql(schema: string): string;
}

/**
 * Every migration, oldest first. Append only: a released migration never changes, since
 * databases that already applied it will not run it again.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'create resources, labels and the revision sequence',
    sql: (s) => `
      -- CACHE 1 (the default) matters: with a per-session cache, two hosts would hand out
      -- interleaved blocks and a later write could get a smaller revision.
      CREATE SEQUENCE ${s}.revisions AS BIGINT MINVALUE 1 CACHE 1 NO CYCLE;

      -- COLLATE "C": byte order of UTF-8, i.e. code point order, the order the shared
      -- comparator (list-order.ts) defines, whatever the database's own locale is.
      CREATE TABLE ${s}.resources (
        cluster   TEXT COLLATE "C" NOT NULL,
        type      TEXT COLLATE "C" NOT NULL,
        namespace TEXT COLLATE "C" NOT NULL,
        name      TEXT COLLATE "C" NOT NULL,
        revision  BIGINT NOT NULL,
        body      BYTEA NOT NULL,
        PRIMARY KEY (cluster, type, namespace, name)
      );
      -- The primary key serves the "key" order; these serve "name" and "revision".
      CREATE INDEX resources_by_name ON ${s}.resources (name, namespace, cluster, type);
      CREATE INDEX resources_by_revision ON ${s}.resources (revision);

      CREATE TABLE ${s}.labels (
        cluster   TEXT COLLATE "C" NOT NULL,
        type      TEXT COLLATE "C" NOT NULL,
        namespace TEXT COLLATE "C" NOT NULL,
        name      TEXT COLLATE "C" NOT NULL,
        key       TEXT COLLATE "C" NOT NULL,
        value     TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (cluster, type, namespace, name, key),
        FOREIGN KEY (cluster, type, namespace, name)
          REFERENCES ${s}.resources ON DELETE CASCADE
      );
      CREATE INDEX labels_by_key_value ON ${s}.labels (key, value);

      ${PUT_RESOURCE(s)}
    `,
  },
];

/**
 * `put_resource(...)`: a whole put in one round trip (one call instead of five
 * statements), atomic because it is one statement. It locks the row (FOR UPDATE), checks
 * the expected revision against what it locked, and only then draws the next revision,
 * so writers of one resource draw in the order they write. When a concurrent creator
 * wins the INSERT, ON CONFLICT waits for it to commit, and the loop comes round to lock
 * its row: a volatile function's next statement sees rows committed meanwhile. On a
 * failed check it changes nothing and returns `o_revision` NULL with the current one.
 */
function PUT_RESOURCE(s: string): string {
  return `
    CREATE FUNCTION ${s}.put_resource(
      p_cluster TEXT, p_type TEXT, p_namespace TEXT, p_name TEXT, p_body BYTEA,
      p_label_keys TEXT[], p_label_values TEXT[], p_expected BIGINT,
      OUT o_revision BIGINT, OUT o_created BOOLEAN, OUT o_current BIGINT)
    LANGUAGE plpgsql VOLATILE AS $fn$
    BEGIN
      FOR attempt IN 1..5 LOOP
        SELECT r.revision INTO o_current FROM ${s}.resources r
          WHERE r.cluster = p_cluster AND r.type = p_type
            AND r.namespace = p_namespace AND r.name = p_name
          FOR UPDATE;
        o_current := COALESCE(o_current, 0);
        IF p_expected IS NOT NULL AND p_expected <> o_current THEN
          RETURN;
        END IF;
        IF o_current <> 0 THEN
          UPDATE ${s}.resources r SET revision = nextval('${s}.revisions'), body = p_body
            WHERE r.cluster = p_cluster AND r.type = p_type
              AND r.namespace = p_namespace AND r.name = p_name
            RETURNING r.revision INTO o_revision;
          DELETE FROM ${s}.labels l
            WHERE l.cluster = p_cluster AND l.type = p_type
              AND l.namespace = p_namespace AND l.name = p_name;
        ELSE
          INSERT INTO ${s}.resources AS r (cluster, type, namespace, name, revision, body)
            VALUES (p_cluster, p_type, p_namespace, p_name, nextval('${s}.revisions'), p_body)
            ON CONFLICT DO NOTHING
            RETURNING r.revision INTO o_revision;
          CONTINUE WHEN o_revision IS NULL;
        END IF;
        o_created := o_current = 0;
        INSERT INTO ${s}.labels (cluster, type, namespace, name, key, value)
          SELECT p_cluster, p_type, p_namespace, p_name, k, v
          FROM unnest(p_label_keys, p_label_values) AS t(k, v);
        RETURN;
      END LOOP;
      RAISE EXCEPTION 'put_resource lost the race to create %/%/%/% five times',
        p_cluster, p_type, p_namespace, p_name;
    END
    $fn$;`;
}

/**
 * Brings `schema` up to date: creates it and its bookkeeping table when absent, then
 * applies every migration not yet recorded, oldest first. Safe to run from many hosts at
 * once. Returns the names of the migrations this call applied (empty when none were due).
 */
export async function migrate(
  pool: Pool,
  schema: string,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<string[]> {
  const s = quoteSchema(schema);
  const applied: string[] = [];
  for (const migration of migrations) {
    await inTransaction(pool, async (client) => {
      // 64-bit key from the schema name, so stores in other schemas never wait on this one.
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
        `berth/postgres-storage/${schema}`,
      ]);
      // Under the lock: concurrent CREATE … IF NOT EXISTS can still fail on the catalog's
      // unique index, so only one host at a time creates the bookkeeping.
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
           id INTEGER PRIMARY KEY,
           name TEXT NOT NULL,
           applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )`,
      );
      const done = await client.query(`SELECT 1 FROM ${s}.schema_migrations WHERE id = $1`, [
        migration.id,
      ]);
      if (done.rowCount !== 0) return;
      await client.query(migration.sql(s));
      await client.query(`INSERT INTO ${s}.schema_migrations (id, name) VALUES ($1, $2)`, [
        migration.id,
        migration.name,
      ]);
      applied.push(migration.name);
    });
  }
  return applied;
}
