/**
 * The SQL of one chunk of a `list`, built from the shared `planList()` result.
 *
 * A chunk reads at most `@chunk` rows in the query's order, straight from the index of
 * that order (INDEXED BY: the planner may not pick another index and then sort), after
 * the cursor (keyset paging). The outer query then marks which of those rows match:
 *
 *   SELECT r.id, r.cluster, …, (<filters> AND <label requirements>) AS matched
 *   FROM (SELECT … FROM resources INDEXED BY resources_by_<order>
 *         WHERE <index-prefix filters> AND (<order columns>) > (@k0, …)
 *         ORDER BY <order columns> LIMIT @chunk) AS r
 *   ORDER BY <order columns>
 *
 * So one statement costs O(chunk), however selective the filters are and however big the
 * store is; the caller runs chunks until it has `limit + 1` matches or the rows run out.
 * Filters that are a leading part of the index (`cluster = ?` in key order, the name
 * prefix in name order) go into the inner WHERE too, so they seek instead of scanning.
 */
import { prefixUpperBound, type ListOrder, type ListPlan, type SortKey } from 'berth/sdk';

/** Named parameters of a chunk statement. */
export type ChunkParams = Record<string, string | number>;

/** One chunk statement's SQL and how to bind it. */
export interface ChunkQuery {
  /** Also the key of the prepared-statement cache. */
  readonly sql: string;
  /** Binds the plan's filters, the chunk size and the cursor (`undefined`: from the start). */
  params(after: SortKey | undefined, chunk: number): ChunkParams;
}

const ORDER_COLUMNS: Record<ListOrder, readonly string[]> = {
  key: ['cluster', 'type', 'namespace', 'name'],
  name: ['name', 'namespace', 'cluster', 'type'],
  // Revisions are unique, so the revision alone orders (and resumes) as the full tuple would.
  revision: ['revision'],
};

const ORDER_INDEX: Record<ListOrder, string> = {
  key: 'resources_by_key',
  name: 'resources_by_name',
  revision: 'resources_by_revision',
};

/** Builds the chunk query of `plan`; `resuming` selects the variant with a cursor. */
export function buildChunkQuery(plan: ListPlan, resuming: boolean): ChunkQuery {
  const fixed: ChunkParams = {};
  const { cluster, type, namespace, namePrefix } = plan.filters;
  const equalities: Record<string, string | undefined> = { cluster, type, namespace };
  const filters: string[] = [];
  for (const [column, value] of Object.entries(equalities)) {
    if (value === undefined) continue;
    fixed[column] = value;
    filters.push(`r.${column} = @${column}`);
  }
  let prefixRange: string | undefined;
  if (namePrefix !== undefined && namePrefix !== '') {
    fixed['prefixLow'] = namePrefix;
    const high = prefixUpperBound(namePrefix);
    if (high !== undefined) fixed['prefixHigh'] = high;
    prefixRange =
      high === undefined ? 'name >= @prefixLow' : 'name >= @prefixLow AND name < @prefixHigh';
    filters.push(prefixRange.replaceAll('name', 'r.name'));
  }
  plan.requirements.forEach((requirement, i) => {
    fixed[`l${i}`] = requirement.key;
    const values = requirement.values.map((value, j) => {
      fixed[`l${i}v${j}`] = value;
      return `@l${i}v${j}`;
    });
    const probe =
      `SELECT 1 FROM labels WHERE resource_id = r.id AND key = @l${i}` +
      (values.length === 0 ? '' : ` AND value IN (${values.join(', ')})`);
    const negated = ['notEquals', 'notIn', 'doesNotExist'].includes(requirement.operator);
    filters.push(`${negated ? 'NOT ' : ''}EXISTS (${probe})`);
  });

  const columns = ORDER_COLUMNS[plan.order];
  const direction = plan.descending ? 'DESC' : 'ASC';
  const inner: string[] = [];
  // Equality filters on the index's leading columns, then the name range if it comes next.
  for (const column of columns) {
    if (column in fixed && column !== 'name') {
      inner.push(`${column} = @${column}`);
      continue;
    }
    if (column === 'name' && prefixRange !== undefined) inner.push(prefixRange);
    break;
  }
  const cursorNames = columns.map((_, i) => `@k${i}`);
  if (resuming) {
    const tuple = (items: readonly string[]): string =>
      items.length === 1 ? (items[0] ?? '') : `(${items.join(', ')})`;
    inner.push(`${tuple(columns)} ${plan.descending ? '<' : '>'} ${tuple(cursorNames)}`);
  }
  const orderBy = (alias: string): string =>
    columns.map((column) => `${alias}${column} ${direction}`).join(', ');
  const sql =
    'SELECT r.id AS id, r.cluster AS cluster, r.type AS type, r.namespace AS namespace, ' +
    `r.name AS name, r.revision AS revision, (${filters.length === 0 ? '1' : filters.join(' AND ')}) AS matched ` +
    'FROM (SELECT id, cluster, type, namespace, name, revision ' +
    `FROM resources INDEXED BY ${ORDER_INDEX[plan.order]} ` +
    `WHERE ${inner.length === 0 ? '1' : inner.join(' AND ')} ` +
    `ORDER BY ${orderBy('')} LIMIT @chunk) AS r ` +
    `ORDER BY ${orderBy('r.')}`;

  return {
    sql,
    params(after, chunk) {
      const params: ChunkParams = { ...fixed, chunk };
      if (resuming && after !== undefined) {
        // The revision order resumes on the revision alone (the first element of its key).
        columns.forEach((_, i) => {
          const value = after[i];
          if (value !== undefined) params[`k${i}`] = value;
        });
      }
      return params;
    },
  };
}
