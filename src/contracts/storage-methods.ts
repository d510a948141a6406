/**
 * The storage@1 methods every storage plugin exposes, written once: each request is
 * checked with the shared validators (BERTH_ERR_INVALID_ARGUMENT before the backend
 * sees it), then handed to the backend the plugin provides.
 */
import { planList, type ListPlan } from './list-paging.js';
import {
  validateDeleteRequest,
  validatePutRequest,
  validateResourceKey,
} from './request-validation.js';
import type {
  DeleteRequest,
  DeleteResult,
  ListResult,
  PutRequest,
  PutResult,
  ResourceKey,
  StoredResource,
} from './storage.js';

type Answer<T> = T | Promise<T>;

/** What a storage plugin implements: the same operations, on requests already checked. */
export interface StorageBackend {
  put(request: PutRequest): Answer<PutResult>;
  get(key: ResourceKey): Answer<StoredResource | null>;
  delete(request: DeleteRequest): Answer<DeleteResult>;
  list(plan: ListPlan): Answer<ListResult>;
}

/**
 * The `methods` of a storage@1 service over the backend `current()` returns (called per
 * call, so a backend opened in `onStart` or replaced by a config change is the one used).
 */
export function storageMethods(current: () => StorageBackend) {
  return {
    async put(_call: unknown, request: unknown): Promise<PutResult> {
      return current().put(validatePutRequest(request));
    },
    async get(_call: unknown, key: unknown): Promise<StoredResource | null> {
      return current().get(validateResourceKey(key));
    },
    async delete(_call: unknown, request: unknown): Promise<DeleteResult> {
      return current().delete(validateDeleteRequest(request));
    },
    async list(_call: unknown, query: unknown): Promise<ListResult> {
      return current().list(planList(query));
    },
  };
}
