/**
 * The `storage@1` contract: a resource store in the manner of Clusterpedia's storage
 * layer. Resources are keyed by `{cluster, type, namespace, name}`; bodies are bytes the
 * store keeps and returns without parsing; labels are indexed for selectors.
 *
 * Every storage plugin implements this interface, and one conformance suite
 * (test/conformance/storage-conformance.ts) runs against each of them. The helpers they
 * share (selector parsing, ordering, continue tokens, request checks) sit next to this file.
 */

/** The contract's name, as it appears in a manifest (`"contract": "storage@1"`). */
export const STORAGE_CONTRACT = 'storage@1';

/** Identifies one resource. */
export interface ResourceKey {
  cluster: string;
  /** `group/version/resource`, `core` standing for the core group: `apps/v1/deployments`. */
  type: string;
  /** Empty for cluster-scoped resources. */
  namespace: string;
  name: string;
}

/** A resource as stored. */
export interface StoredResource extends ResourceKey {
  /** Store-wide, strictly increasing; a resource's revision changes on every write. */
  revision: number;
  labels: Record<string, string>;
  /** The body exactly as it was put; usually JSON, never parsed by the store. */
  body: Uint8Array;
}

/** An upsert. */
export interface PutRequest extends ResourceKey {
  /** Kubernetes label keys and values; they replace the old labels (absent: none). */
  labels?: Record<string, string>;
  body: Uint8Array;
  /**
   * Optimistic concurrency: when given, the write happens only if the resource's current
   * revision equals it (0: only if it does not exist); otherwise it fails with
   * `BERTH_ERR_REVISION_CONFLICT`.
   */
  expectedRevision?: number;
}

export interface PutResult {
  revision: number;
  created: boolean;
}

export interface DeleteRequest extends ResourceKey {
  /** As for put: delete only if the current revision equals it. */
  expectedRevision?: number;
}

export interface DeleteResult {
  deleted: boolean;
}

/**
 * Sort orders for `list`. Every order ends with the full key, so it is total. Strings
 * compare by Unicode code point (UTF-8 byte order); see list-order.ts.
 */
export type ListOrder = 'key' | 'name' | 'revision';

/** A list request. Every filter is optional; all given filters must hold. */
export interface ListQuery {
  cluster?: string;
  type?: string;
  namespace?: string;
  /** Kubernetes label selector syntax: `app=web,tier!=db,env in (a,b),!legacy`. */
  labelSelector?: string;
  namePrefix?: string;
  /** `key` (cluster, type, namespace, name) by default. */
  orderBy?: ListOrder;
  descending?: boolean;
  /** Page size, 1 to 10,000 (`MAX_LIST_LIMIT`); no limit when absent. */
  limit?: number;
  /** The token from the previous page; the query's filters and order must be unchanged. */
  continue?: string;
}

export interface ListResult {
  items: StoredResource[];
  /** Present when more items may follow; pass it back as `continue`. */
  continue?: string;
}

/** The storage@1 service, as callers see it. */
export interface StorageLayer {
  put(request: PutRequest): Promise<PutResult>;
  get(key: ResourceKey): Promise<StoredResource | null>;
  delete(request: DeleteRequest): Promise<DeleteResult>;
  list(query: ListQuery): Promise<ListResult>;
}
