/**
 * The in-memory resource store behind the memory-storage plugin: a map of resources, a
 * store-wide revision counter and two label indexes. It takes requests already checked
 * by the shared validators, and it is synchronous, so each operation is atomic.
 */
import { checkExpectedRevision, matchesListPlan, takePage } from 'berth/sdk';
import type {
  DeleteRequest,
  DeleteResult,
  LabelRequirement,
  ListPlan,
  ListResult,
  PutRequest,
  PutResult,
  ResourceKey,
  StoredResource,
} from 'berth/sdk';

/**
 * A storage@1 store in memory. What it hands out is always a copy (bodies included), and
 * what it keeps it copies on the way in, so no caller can change stored data by reusing
 * or mutating a buffer.
 */
export class MemoryStore {
  /** The last revision handed out; revisions are never reused, not even after a delete. */
  #revision = 0;
  readonly #resources = new Map<string, StoredResource>();
  /** `key=value` to the ids of resources with that label (answers `=`, `==` and `in`). */
  readonly #byLabel = new Map<string, Set<string>>();
  /** Label key to the ids of resources that have it (answers `exists`). */
  readonly #byLabelKey = new Map<string, Set<string>>();

  /** How many resources the store holds. */
  get size(): number {
    return this.#resources.size;
  }

  /** The last revision written, 0 for a store never written to. */
  get revision(): number {
    return this.#revision;
  }

  /**
   * Creates or replaces a resource (labels included: an update without labels leaves
   * none) under a new revision. Throws `BERTH_ERR_REVISION_CONFLICT` when
   * `expectedRevision` is given and differs from the current one (0 when absent).
   */
  put(request: PutRequest): PutResult {
    const id = idOf(request);
    const current = this.#resources.get(id);
    checkExpectedRevision(request, current?.revision ?? 0);
    if (current !== undefined) this.#unindex(id, current.labels);
    this.#revision += 1;
    const { cluster, type, namespace, name } = request;
    const stored: StoredResource = {
      cluster,
      type,
      namespace,
      name,
      revision: this.#revision,
      labels: Object.freeze({ ...request.labels }),
      // `new Uint8Array(view)` copies, unlike Buffer#slice, which would share memory.
      body: new Uint8Array(request.body),
    };
    this.#resources.set(id, stored);
    this.#index(id, stored.labels);
    return { revision: stored.revision, created: current === undefined };
  }

  /** A copy of the resource, or null when there is none. */
  get(key: ResourceKey): StoredResource | null {
    const stored = this.#resources.get(idOf(key));
    return stored === undefined ? null : copyOf(stored);
  }

  /**
   * Removes a resource; deleting a missing one is not an error (`deleted: false`). With
   * `expectedRevision`, the same check as for put applies first.
   */
  delete(request: DeleteRequest): DeleteResult {
    const id = idOf(request);
    const current = this.#resources.get(id);
    checkExpectedRevision(request, current?.revision ?? 0);
    if (current === undefined) return { deleted: false };
    this.#unindex(id, current.labels);
    this.#resources.delete(id);
    return { deleted: true };
  }

  /** One page of the resources that match `plan`, as copies, in the plan's order. */
  list(plan: ListPlan): ListResult {
    const matches: StoredResource[] = [];
    for (const stored of this.#candidates(plan.requirements)) {
      if (matchesListPlan(stored, plan)) matches.push(stored);
    }
    const page = takePage(matches, plan);
    const result: ListResult = { items: page.items.map(copyOf) };
    if (page.continue !== undefined) result.continue = page.continue;
    return result;
  }

  /** Drops every resource; the revision counter keeps counting. */
  clear(): void {
    this.#resources.clear();
    this.#byLabel.clear();
    this.#byLabelKey.clear();
  }

  /**
   * The resources that could match: those in the smallest index entry a positive
   * requirement (`=`, `in`, exists) points at, or every resource when there is none.
   * The sets of one `in` requirement are disjoint (a resource has one value per key),
   * so chaining them yields no duplicates.
   */
  *#candidates(requirements: readonly LabelRequirement[]): Iterable<StoredResource> {
    let best: Set<string>[] | undefined;
    let bestSize = Infinity;
    for (const { key, operator, values } of requirements) {
      let sets: (Set<string> | undefined)[];
      if (operator === 'equals' || operator === 'in') {
        sets = values.map((value) => this.#byLabel.get(labelTerm(key, value)));
      } else if (operator === 'exists') {
        sets = [this.#byLabelKey.get(key)];
      } else {
        continue;
      }
      const present = sets.filter((set) => set !== undefined);
      const size = present.reduce((sum, set) => sum + set.size, 0);
      if (size < bestSize) [best, bestSize] = [present, size];
    }
    if (best === undefined) {
      yield* this.#resources.values();
      return;
    }
    for (const set of best) {
      for (const id of set) {
        const stored = this.#resources.get(id);
        if (stored !== undefined) yield stored;
      }
    }
  }

  #index(id: string, labels: Readonly<Record<string, string>>): void {
    for (const [key, value] of Object.entries(labels)) {
      addTo(this.#byLabel, labelTerm(key, value), id);
      addTo(this.#byLabelKey, key, id);
    }
  }

  #unindex(id: string, labels: Readonly<Record<string, string>>): void {
    for (const [key, value] of Object.entries(labels)) {
      removeFrom(this.#byLabel, labelTerm(key, value), id);
      removeFrom(this.#byLabelKey, key, id);
    }
  }
}

/** The map key of a resource; NUL cannot occur in a checked key field, so it separates. */
function idOf({ cluster, type, namespace, name }: ResourceKey): string {
  return `${cluster}\0${type}\0${namespace}\0${name}`;
}

/** Label keys never contain `=`, so `key=value` is unambiguous. */
function labelTerm(key: string, value: string): string {
  return `${key}=${value}`;
}

function copyOf(stored: StoredResource): StoredResource {
  return { ...stored, labels: { ...stored.labels }, body: new Uint8Array(stored.body) };
}

function addTo(index: Map<string, Set<string>>, term: string, id: string): void {
  const ids = index.get(term);
  if (ids === undefined) index.set(term, new Set([id]));
  else ids.add(id);
}

function removeFrom(index: Map<string, Set<string>>, term: string, id: string): void {
  const ids = index.get(term);
  ids?.delete(id);
  // Dropping empty sets keeps the index from growing with labels no resource has any more.
  if (ids?.size === 0) index.delete(term);
}
