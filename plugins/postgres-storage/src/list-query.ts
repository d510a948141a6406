/**
 * Translates a planned `list` (from the SDK's `planList`) into one parameterised SELECT:
 *
 *   SELECT <resource columns> FROM resources r
 *   WHERE r.cluster = $1 …                                  -- key filters
 *     AND r.name >= $p AND r.name < $p'                     -- name prefix, as a range
 *     AND [NOT] EXISTS (SELECT 1 FROM labels l …)           -- one per label requirement
 *     AND (r.c1, r.c2, …) > ($a, $b, …)                     -- keyset: after the cursor
 *   ORDER BY r.c1, r.c2, … LIMIT limit + 1                  -- one extra row: more follow?
 *
 * Every text column is `COLLATE "C"`, so comparisons and ORDER BY follow code point order
 * exactly as the shared comparator does, and pages resume where `takePage` would.
 */
import assert from 'node:assert';
import { prefixUpperBound, type LabelRequirement, type ListOrder, type ListPlan } from 'berth/sdk';

/** A statement and its parameters, ready for `pg`'s `query(text, values)`. */
export interface SqlQuery {
  readonly text: string;
  readonly values: unknown[];
}

/** The columns of each order's sort key, as list-order.ts defines them. */
const ORDER_COLUMNS: Readonly<Record<ListOrder, readonly string[]>> = {
  key: ['cluster', 'type', 'namespace', 'name'],
  name: ['name', 'namespace', 'cluster', 'type'],
  revision: ['revision', 'cluster', 'type', 'namespace', 'name'],
};

/** Joins labels to their resource `r`; the labels primary key makes it an index lookup. */
const SAME_RESOURCE =
  'l.cluster = r.cluster AND l.type = r.type AND l.namespace = r.namespace AND l.name = r.name';

/**
 * The select list of a stored resource read from `resources r`: key, revision, body and
 * the labels as one JSON object (`{}` when there are none). `s` is the quoted schema.
 */
export function resourceColumns(s: string): string {
  return `r.cluster, r.type, r.namespace, r.name, r.revision, r.body,
    COALESCE((SELECT jsonb_object_agg(l.key, l.value) FROM ${s}.labels l WHERE ${SAME_RESOURCE}),
             '{}'::jsonb) AS labels`;
}

/**
 * The SELECT for one page of `plan` from the store in schema `s` (quoted). It returns up
 * to `limit + 1` rows in the plan's order: the extra row only tells the caller that
 * another page follows.
 */
export function buildListQuery(plan: ListPlan, s: string): SqlQuery {
  const values: unknown[] = [];
  const param = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  const where: string[] = [];
  const { cluster, type, namespace, namePrefix } = plan.filters;
  if (cluster !== undefined) where.push(`r.cluster = ${param(cluster)}`);
  if (type !== undefined) where.push(`r.type = ${param(type)}`);
  if (namespace !== undefined) where.push(`r.namespace = ${param(namespace)}`);
  if (namePrefix !== undefined && namePrefix !== '') {
    // A range rather than LIKE: no wildcard escaping, and the index on name applies.
    where.push(`r.name >= ${codePointText(param(namePrefix))}`);
    const bound = prefixUpperBound(namePrefix);
    if (bound !== undefined) where.push(`r.name < ${codePointText(param(bound))}`);
  }
  for (const requirement of plan.requirements) where.push(labelCondition(requirement, param, s));

  const columns = ORDER_COLUMNS[plan.order].map((column) => `r.${column}`);
  if (plan.after !== undefined) {
    const cursor = plan.after.map((value) =>
      // The revision travels as a JS number; the cast keeps the comparison in BIGINT.
      typeof value === 'number' ? `${param(value)}::bigint` : codePointText(param(value)),
    );
    assert(cursor.length === columns.length, 'decodeContinue checks the key against the order');
    const op = plan.descending ? '<' : '>';
    where.push(`(${columns.join(', ')}) ${op} (${cursor.join(', ')})`);
  }
  const direction = plan.descending ? ' DESC' : '';
  const limit = plan.limit === undefined ? '' : ` LIMIT ${param(plan.limit + 1)}`;
  const text =
    `SELECT ${resourceColumns(s)} FROM ${s}.resources r` +
    (where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`) +
    ` ORDER BY ${columns.map((column) => column + direction).join(', ')}${limit}`;
  return { text, values };
}

/** `[NOT] EXISTS` over the resource's labels; `notEquals` and `notIn` hold when absent. */
function labelCondition(
  { key, operator, values }: LabelRequirement,
  param: (value: unknown) => string,
  s: string,
): string {
  let test = `l.key = ${param(key)}`;
  if (operator !== 'exists' && operator !== 'doesNotExist') {
    test += ` AND l.value = ANY(${param(values)}::text[])`;
  }
  const negated = operator === 'notEquals' || operator === 'notIn' || operator === 'doesNotExist';
  return `${negated ? 'NOT ' : ''}EXISTS (SELECT 1 FROM ${s}.labels l WHERE ${SAME_RESOURCE} AND ${test})`;
}

/**
 * A text parameter in code point order. The columns are `COLLATE "C"` already and would
 * win over a parameter's default collation; saying so here keeps it true if they change.
 */
function codePointText(placeholder: string): string {
  return `${placeholder}::text COLLATE "C"`;
}
