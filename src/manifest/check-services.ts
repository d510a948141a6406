/**
 * What plugin.schema.json cannot say about a manifest's services: names unique within
 * the plugin, `serviceOrder` a permutation of them, one isolation for the whole plugin,
 * `threads` only for a pool, and each `configSchema` itself valid JSON Schema. These run
 * on whatever parts of the manifest are well-formed, beside the schema's own problems.
 */
import { configSchemaProblem } from '../config/config-schema.js';
import { fieldPath } from '../config/field-path.js';
import { isPlainObject } from '../plain-object.js';
import { ISOLATIONS } from './manifest.js';
import type { Isolation } from './manifest.js';
import { SERVICE_NAME } from './manifest-schema.js';
import type { ProblemList } from './problem-list.js';

/**
 * Adds to `problems` every cross-field problem of `services` and `serviceOrder`, in
 * manifest order. Never throws.
 */
export function checkServices(services: unknown, order: unknown, problems: ProblemList): void {
  if (!Array.isArray(services)) return;
  const names: string[] = [];
  const firstIndex = new Map<string, number>();
  let isolation: { mode: unknown; index: number } | undefined;
  services.forEach((service: unknown, index) => {
    if (!isPlainObject(service)) return;
    const at = (key: string): string => fieldPath(fieldPath('services', index), key);
    const { name, configSchema } = service;
    const mode = service['isolation'] ?? 'thread';
    // An isolation that is none is the schema's to report; nothing to compare here.
    const known = ISOLATIONS.includes(mode as Isolation);
    // One plugin is one worker (or one pool, or inline): its services cannot differ.
    if (known) isolation ??= { mode, index };
    if (known && isolation !== undefined && mode !== isolation.mode) {
      const first = `services[${isolation.index}] runs ${JSON.stringify(isolation.mode)}`;
      const expected = `the same isolation as every other service of the plugin, which shares one worker (${first}); split the plugin in two to mix modes`;
      problems.add(at('isolation'), expected, mode);
    }
    const threads = service['threads'];
    // Only a pool spreads calls over threads; elsewhere extra threads would sit idle.
    if (typeof threads === 'number' && threads > 1 && known && mode !== 'pool') {
      problems.add(at('threads'), '1 unless "isolation" is "pool"', threads);
    }
    if (isPlainObject(configSchema)) {
      const why = configSchemaProblem(configSchema);
      if (why !== undefined)
        problems.add(at('configSchema'), `valid JSON Schema (${why})`, configSchema);
    }
    if (typeof name !== 'string' || !SERVICE_NAME.test(name)) return;
    const earlier = firstIndex.get(name);
    if (earlier === undefined) {
      firstIndex.set(name, index);
      names.push(name);
    } else {
      const also = `"${name}" is also services[${earlier}].name`;
      problems.add(at('name'), `unique within the plugin (${also})`, name);
    }
  });
  checkServiceOrder(order, names, problems);
}

function checkServiceOrder(order: unknown, names: readonly string[], problems: ProblemList): void {
  // Not an array: the schema said so. No well-formed names: `services` is already
  // reported, and every entry here would be blamed for it.
  if (!Array.isArray(order) || names.length === 0) return;
  const every = names.map((n) => `"${n}"`).join(', ');
  const seen = new Set<string>();
  order.forEach((item: unknown, index) => {
    // An entry that is not a string is the schema's to report.
    if (typeof item !== 'string') return;
    const field = fieldPath('serviceOrder', index);
    if (!names.includes(item)) {
      problems.add(field, `the name of a service of this plugin: one of ${every}`, item);
    } else if (seen.has(item)) {
      problems.add(field, `listed once only ("${item}" appears earlier)`, item);
    }
    seen.add(item);
  });
  const missing = names.filter((n) => !seen.has(n));
  if (missing.length > 0) {
    const left = missing.map((n) => `"${n}"`).join(', ');
    problems.add('serviceOrder', `a list of every service; it leaves out ${left}`, order);
  }
}
