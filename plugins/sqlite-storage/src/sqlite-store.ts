/**
 * The storage@1 store over SQLite. It takes requests already checked by the shared
 * validators. Every write is one transaction (`BEGIN IMMEDIATE`: it takes the write lock
 * before reading, so the expectedRevision check and the write see the same state).
 * `get` reads on the writer connection; `list` reads in chunks on the snapshot reader.
 */
import assert from 'node:assert';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import { checkExpectedRevision, encodeContinue } from 'berth/sdk';
import type {
  DeleteRequest,
  DeleteResult,
  ListPlan,
  ListResult,
  PutRequest,
  PutResult,
  ResourceKey,
  SortKey,
  StoredResource,
} from 'berth/sdk';
import { sortKeyOf } from 'berth/sdk';
import { retryWhileBusy } from './busy-retry.js';
import type { SqliteStorageConfig } from './config.js';
import { buildChunkQuery } from './list-sql.js';
import type { Connections } from './open-database.js';
import { SnapshotReader } from './snapshot-reader.js';
import { StatementCache } from './statement-cache.js';
import { labelsOf, prepareReaderStatements, prepareWriterStatements } from './statements.js';
import type { ReaderStatements, WriterStatements } from './statements.js';

/** A row of a list chunk. */
interface ChunkRow {
  id: number;
  cluster: string;
  type: string;
  namespace: string;
  name: string;
  revision: number;
  matched: 0 | 1;
}

/** How long a list runs synchronously before it lets the event loop (and heartbeat) run. */
const YIELD_AFTER_MS = 10;

/** A storage@1 store on an open database. The options are read at every call. */
export class SqliteStore {
  readonly #writer: WriterStatements;
  readonly #reader: ReaderStatements;
  readonly #chunks: StatementCache;
  readonly #snapshots: SnapshotReader;
  readonly #put: (request: PutRequest) => PutResult;
  readonly #delete: (request: DeleteRequest) => DeleteResult;
  readonly #config: () => SqliteStorageConfig;

  constructor(connections: Connections, config: () => SqliteStorageConfig) {
    this.#config = config;
    this.#writer = prepareWriterStatements(connections.writer);
    this.#reader = prepareReaderStatements(connections.reader);
    this.#chunks = new StatementCache(connections.reader);
    this.#snapshots = new SnapshotReader(connections.reader);
    this.#put = immediate(connections.writer, (request: PutRequest) => this.#putNow(request));
    this.#delete = immediate(connections.writer, (request: DeleteRequest) =>
      this.#deleteNow(request),
    );
  }

  /** The last revision handed out, 0 for a new store. */
  get revision(): number {
    return this.#writer.revision.get() ?? 0;
  }

  /**
   * Creates or replaces a resource, labels included, under the next revision. Throws
   * `BERTH_ERR_REVISION_CONFLICT` when `expectedRevision` differs from the current one.
   * Resolves once the transaction has committed.
   */
  put(request: PutRequest): Promise<PutResult> {
    return retryWhileBusy('put', this.#config().busyTimeoutMs, () => this.#put(request));
  }

  /** Removes a resource (`deleted: false` when absent); `expectedRevision` as for put. */
  delete(request: DeleteRequest): Promise<DeleteResult> {
    return retryWhileBusy('delete', this.#config().busyTimeoutMs, () => this.#delete(request));
  }

  /** The resource, or null. Its body is a fresh buffer the caller may keep. */
  get(key: ResourceKey): StoredResource | null {
    const row = this.#writer.resource.get(key.cluster, key.type, key.namespace, key.name);
    if (row === undefined) return null;
    const { cluster, type, namespace, name } = key;
    const labels = labelsOf(this.#writer.labels.all(row.id));
    return { cluster, type, namespace, name, revision: row.revision, labels, body: row.body };
  }

  /**
   * One page of `plan`, from one snapshot. Runs chunk statements (each reading at most
   * `listChunkRows` rows) until it has `limit + 1` matches or the rows run out, yielding
   * to the event loop every {@link YIELD_AFTER_MS}, so no native call and no stretch of
   * synchronous work grows with the store.
   */
  list(plan: ListPlan): Promise<ListResult> {
    return this.#snapshots.read(async () => {
      const { busyTimeoutMs, listChunkRows } = this.#config();
      const want = plan.limit === undefined ? Infinity : plan.limit + 1;
      const first = buildChunkQuery(plan, plan.after !== undefined);
      const next = plan.after === undefined ? buildChunkQuery(plan, true) : first;
      const matches: ChunkRow[] = [];
      let cursor: SortKey | undefined = plan.after;
      let query = first;
      let since = performance.now();
      for (;;) {
        const statement = this.#chunks.get(query.sql);
        const params = query.params(cursor, listChunkRows);
        const rows = await retryWhileBusy(
          'list',
          busyTimeoutMs,
          () => statement.all(params) as ChunkRow[],
        );
        for (const row of rows) {
          if (row.matched === 1 && matches.push(row) >= want) break;
        }
        const last = rows.at(-1);
        if (matches.length >= want || rows.length < listChunkRows || last === undefined) break;
        cursor = sortKeyOf(last, plan.order);
        query = next;
        if (performance.now() - since >= YIELD_AFTER_MS) {
          await yieldToLoop();
          since = performance.now();
        }
      }
      const page = matches.slice(0, plan.limit ?? matches.length);
      const items = page.map((row) => this.#materialize(row));
      const result: ListResult = { items };
      const last = items.at(-1);
      if (matches.length > page.length && last !== undefined) {
        result.continue = encodeContinue(plan, last);
      }
      return result;
    });
  }

  #materialize(row: ChunkRow): StoredResource {
    const { id, cluster, type, namespace, name, revision } = row;
    const body = this.#reader.body.get(id);
    assert(body !== undefined, 'a row of the snapshot has a body in the same snapshot');
    return {
      cluster,
      type,
      namespace,
      name,
      revision,
      labels: labelsOf(this.#reader.labels.all(id)),
      body,
    };
  }

  #putNow(request: PutRequest): PutResult {
    const w = this.#writer;
    const { cluster, type, namespace, name, body } = request;
    const current = w.current.get(cluster, type, namespace, name);
    checkExpectedRevision(request, current?.revision ?? 0);
    const revision = w.nextRevision.get();
    assert(revision !== undefined, 'store_revision has its one row');
    let id: number;
    if (current === undefined) {
      const inserted = w.insertResource.get(cluster, type, namespace, name, revision, body);
      assert(inserted !== undefined, 'INSERT … RETURNING returns the row id');
      id = inserted;
    } else {
      id = current.id;
      w.updateResource.run(revision, body, id);
      w.deleteLabels.run(id);
    }
    for (const [key, value] of Object.entries(request.labels ?? {})) {
      w.insertLabel.run(id, key, value);
    }
    return { revision, created: current === undefined };
  }

  #deleteNow(request: DeleteRequest): DeleteResult {
    const { cluster, type, namespace, name } = request;
    const current = this.#writer.current.get(cluster, type, namespace, name);
    checkExpectedRevision(request, current?.revision ?? 0);
    if (current === undefined) return { deleted: false };
    this.#writer.deleteResource.run(current.id);
    return { deleted: true };
  }
}

/** `work` as a `BEGIN IMMEDIATE` transaction: committed on return, rolled back on throw. */
function immediate<A, R>(db: Database.Database, work: (arg: A) => R): (arg: A) => R {
  const transaction = db.transaction(work);
  return (arg) => transaction.immediate(arg);
}
