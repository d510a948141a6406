/**
 * Validation of a manifest's `services` array together with its `serviceOrder`, which
 * can only be judged against the service names.
 */
import { isPlainObject } from '../plain-object.js';
import { parseService, SERVICE_NAME } from './parse-service.js';
import type { ServiceManifest } from './manifest.js';
import { fieldPath } from './problem-list.js';
import type { ProblemList } from './problem-list.js';

/** The services of a manifest and the order to start them in. */
export interface ParsedServices {
  /** The services that passed validation, in declared order, with defaults applied. */
  services: ServiceManifest[];
  /** Service names in start order; the declared order when the manifest gives none. */
  serviceOrder: string[];
}

/**
 * Validates `services` (a non-empty array of services with unique names) and
 * `serviceOrder` (absent, or a permutation of the service names). Every problem goes to
 * `problems`; the result is only meaningful when none was added.
 */
export function parseServices(
  rawServices: unknown,
  rawOrder: unknown,
  problems: ProblemList,
): ParsedServices {
  const { parsed, names } = parseServiceList(rawServices, problems);
  return { services: parsed, serviceOrder: parseServiceOrder(rawOrder, names, problems) };
}

interface ServiceList {
  parsed: ServiceManifest[];
  /** The well-formed names as declared, valid service or not, for `serviceOrder`. */
  names: string[];
}

function parseServiceList(raw: unknown, problems: ProblemList): ServiceList {
  const result: ServiceList = { parsed: [], names: [] };
  if (!Array.isArray(raw) || raw.length === 0) {
    problems.add('services', 'a non-empty array of services', raw);
    return result;
  }
  const firstIndex = new Map<string, number>();
  let isolation: { mode: string; index: number } | undefined;
  raw.forEach((item: unknown, index) => {
    const field = fieldPath('services', index);
    const service = parseService(item, field, problems);
    if (service !== undefined) {
      result.parsed.push(service);
      // One plugin is one worker (or one pool, or inline): its services cannot differ.
      isolation ??= { mode: service.isolation, index };
      if (service.isolation !== isolation.mode) {
        const first = `services[${isolation.index}] runs "${isolation.mode}"`;
        problems.add(
          fieldPath(field, 'isolation'),
          `the same isolation as every other service of the plugin, which shares one worker (${first}); split the plugin in two to mix modes`,
          service.isolation,
        );
      }
    }
    const name = isPlainObject(item) ? item['name'] : undefined;
    if (typeof name !== 'string' || !SERVICE_NAME.test(name)) return;
    const earlier = firstIndex.get(name);
    if (earlier === undefined) {
      firstIndex.set(name, index);
      result.names.push(name);
    } else {
      const also = `"${name}" is also services[${earlier}].name`;
      problems.add(fieldPath(field, 'name'), `unique within the plugin (${also})`, name);
    }
  });
  return result;
}

function parseServiceOrder(
  raw: unknown,
  names: readonly string[],
  problems: ProblemList,
): string[] {
  if (raw === undefined) return [...names];
  // With no well-formed service names, `services` is already reported and every entry
  // here would be blamed for it.
  if (names.length === 0) return [];
  const every = names.map((n) => `"${n}"`).join(', ');
  if (!Array.isArray(raw)) {
    problems.add('serviceOrder', `an array listing each service once: ${every}`, raw);
    return [];
  }
  const seen = new Set<string>();
  raw.forEach((item: unknown, index) => {
    const field = fieldPath('serviceOrder', index);
    if (typeof item !== 'string' || !names.includes(item)) {
      problems.add(field, `the name of a service of this plugin: one of ${every}`, item);
    } else if (seen.has(item)) {
      problems.add(field, `listed once only ("${item}" appears earlier)`, item);
    }
    if (typeof item === 'string') seen.add(item);
  });
  const missing = names.filter((n) => !seen.has(n));
  if (missing.length > 0) {
    const left = missing.map((n) => `"${n}"`).join(', ');
    problems.add('serviceOrder', `a list of every service; it leaves out ${left}`, raw);
  }
  return raw.filter((item): item is string => typeof item === 'string');
}
