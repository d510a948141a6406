/**
 * What the resource routes read from a body they otherwise store untouched: its labels,
 * and whether its `metadata.name` and `metadata.namespace` agree with the path (as the
 * Kubernetes API server checks them).
 */
import { BerthError, codes } from '../index.js';

/** The path's namespace and name; `_` is the namespace of cluster-scoped resources. */
export interface PathName {
  readonly namespace: string;
  readonly name: string;
}

function invalid(message: string, field: string): BerthError {
  return new BerthError(codes.INVALID_ARGUMENT, message, { data: { field } });
}

/**
 * Returns the labels of a Kubernetes-style JSON object in `body` after checking it:
 * a JSON object; `metadata.labels`, if present, an object of strings; `metadata.name`,
 * if present, the path's name; `metadata.namespace`, if present and the path names a
 * namespace (not `_`), the path's namespace. Absent fields are fine. Throws
 * BERTH_ERR_INVALID_ARGUMENT whose `data.field` names the field otherwise.
 */
export function readResourceBody(body: Buffer, path: PathName): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw invalid(`the body is not valid JSON: ${(error as Error).message}`, 'body');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid('the body must be a JSON object (a Kubernetes-style resource)', 'body');
  }
  const metadata = (parsed as { metadata?: unknown }).metadata;
  if (metadata === undefined || metadata === null) return {};
  if (typeof metadata !== 'object' || Array.isArray(metadata)) {
    throw invalid('metadata must be an object', 'metadata');
  }
  const { name, namespace, labels } = metadata as Record<string, unknown>;
  if (name !== undefined && name !== path.name) {
    throw invalid(
      `metadata.name ${JSON.stringify(name)} does not match the name in the path (${JSON.stringify(path.name)}); send it to its own path or leave metadata.name out`,
      'metadata.name',
    );
  }
  if (namespace !== undefined && path.namespace !== '_' && namespace !== path.namespace) {
    throw invalid(
      `metadata.namespace ${JSON.stringify(namespace)} does not match the namespace in the path (${JSON.stringify(path.namespace)}); send it to its own path or leave metadata.namespace out`,
      'metadata.namespace',
    );
  }
  if (labels === undefined || labels === null) return {};
  if (
    typeof labels !== 'object' ||
    Array.isArray(labels) ||
    !Object.values(labels).every((v) => typeof v === 'string')
  ) {
    throw invalid('metadata.labels must be an object of string values', 'metadata.labels');
  }
  return labels as Record<string, string>;
}
