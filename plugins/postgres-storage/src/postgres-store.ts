/**
 * The storage@1 operations in PostgreSQL. It takes requests already checked by the
 * shared validators. The database is shared: other hosts may write the same rows at the
 * same time, so every read-check-write happens in one transaction that holds the row lock
 * (for put, inside the `put_resource` function, so a put costs one round trip).
 *
 * Revisions come from one SEQUENCE per store and are taken *after* the row lock: two
 * writers of one resource then draw their numbers in the order they write, so a
 * resource's revision only ever grows, even across hosts.
 */
import assert from 'node:assert';
import { checkExpectedRevision, encodeContinue, revisionConflict } from 'berth/sdk';
import type {
  DeleteRequest,
  DeleteResult,
  ListPlan,
  ListResult,
  PutRequest,
  PutResult,
  ResourceKey,
  StoredResource,
} from 'berth/sdk';
import type { Pool, PoolClient } from 'pg';
import { buildListQuery, resourceColumns } from './list-query.js';
import { quoteSchema } from './postgres-config.js';
import { inTransaction } from './transaction.js';

/** A row of `resourceColumns`; pg returns BIGINT as a string and BYTEA as a Buffer. */
interface ResourceRow {
  cluster: string;
  type: string;
  namespace: string;
  name: string;
  revision: string;
  body: Buffer;
  labels: Record<string, string>;
}

/** What `put_resource` returns; `o_revision` is NULL when the expected revision failed. */
interface PutRow {
  o_revision: string | null;
  o_created: boolean | null;
  o_current: string;
}

const BY_KEY = 'cluster = $1 AND type = $2 AND namespace = $3 AND name = $4';

/** A storage@1 store in one schema of a PostgreSQL database, over a connection pool. */
export class PostgresStore {
  readonly #pool: Pool;
  /** The quoted schema name, interpolated into every statement. */
  readonly #s: string;

  /** The schema must already be migrated (see migrations/001_init.sql). */
  constructor(pool: Pool, schema: string) {
    this.#pool = pool;
    this.#s = quoteSchema(schema);
  }

  /**
   * Creates or replaces a resource and its labels under a new revision, atomically, in
   * one round trip (`put_resource`, see migrations/001_init.sql). Throws
   * `BERTH_ERR_REVISION_CONFLICT` when `expectedRevision` is given and differs from the
   * current revision (0 when absent) at the moment the row is locked.
   */
  async put(request: PutRequest): Promise<PutResult> {
    const labels = Object.entries(request.labels ?? {});
    const result = await this.#pool.query<PutRow>(
      `SELECT o_revision, o_created, o_current
       FROM ${this.#s}.put_resource($1, $2, $3, $4, $5, $6::text[], $7::text[], $8)`,
      [
        ...keyValues(request),
        request.body,
        labels.map(([k]) => k),
        labels.map(([, v]) => v),
        request.expectedRevision ?? null,
      ],
    );
    const row = result.rows[0];
    assert(row !== undefined, 'put_resource returns one row');
    if (row.o_revision === null) {
      throw revisionConflict(request, toRevision(row.o_current, 0));
    }
    return { revision: toRevision(row.o_revision), created: row.o_created === true };
  }

  /** The resource, or null when there is none. */
  async get(key: ResourceKey): Promise<StoredResource | null> {
    const result = await this.#pool.query<ResourceRow>(
      `SELECT ${resourceColumns(this.#s)} FROM ${this.#s}.resources r
       WHERE r.cluster = $1 AND r.type = $2 AND r.namespace = $3 AND r.name = $4`,
      keyValues(key),
    );
    const row = result.rows[0];
    return row === undefined ? null : toResource(row);
  }

  /**
   * Removes a resource and its labels; a missing one is not an error (`deleted: false`).
   * With `expectedRevision`, the check of put applies first, under the row lock.
   */
  async delete(request: DeleteRequest): Promise<DeleteResult> {
    const key = keyValues(request);
    const remove = `DELETE FROM ${this.#s}.resources WHERE ${BY_KEY}`;
    if (request.expectedRevision === undefined) {
      // No check to make, so one statement is atomic enough; labels go by cascade.
      return { deleted: ((await this.#pool.query(remove, key)).rowCount ?? 0) > 0 };
    }
    return inTransaction(this.#pool, async (client) => {
      const current = await this.#lockRevision(client, key);
      checkExpectedRevision(request, current);
      if (current === 0) return { deleted: false };
      await client.query(remove, key);
      return { deleted: true };
    });
  }

  /** One page of the resources that match `plan`, in its order, with a token if more follow. */
  async list(plan: ListPlan): Promise<ListResult> {
    const { text, values } = buildListQuery(plan, this.#s);
    const rows = (await this.#pool.query<ResourceRow>(text, values)).rows;
    if (plan.limit === undefined || rows.length <= plan.limit) {
      return { items: rows.map(toResource) };
    }
    const items = rows.slice(0, plan.limit).map(toResource);
    const last = items.at(-1);
    assert(last !== undefined, 'a limit is at least 1, so a cut page is never empty');
    return { items, continue: encodeContinue(plan, last) };
  }

  /** Resolves when the database answers a trivial query; rejects with its error otherwise. */
  async ping(): Promise<void> {
    await this.#pool.query('SELECT 1');
  }

  /** The current revision of `key` (0 when absent), with the row locked until COMMIT. */
  async #lockRevision(client: PoolClient, key: string[]): Promise<number> {
    const result = await client.query<{ revision: string }>(
      `SELECT revision FROM ${this.#s}.resources WHERE ${BY_KEY} FOR UPDATE`,
      key,
    );
    const row = result.rows[0];
    return row === undefined ? 0 : toRevision(row.revision);
  }
}

function keyValues({ cluster, type, namespace, name }: ResourceKey): string[] {
  return [cluster, type, namespace, name];
}

/**
 * A BIGINT revision as a number. The sequence would need 2^53 writes to leave the safe
 * integer range, so a failure here means a corrupt or foreign sequence.
 */
function toRevision(value: string, min = 1): number {
  const revision = Number(value);
  assert(Number.isSafeInteger(revision) && revision >= min, `revision ${value} is out of range`);
  return revision;
}

function toResource(row: ResourceRow): StoredResource {
  const { cluster, type, namespace, name, body, labels } = row;
  // The Buffer pg decoded for this query belongs to this result alone: no copy needed.
  return { cluster, type, namespace, name, revision: toRevision(row.revision), labels, body };
}
