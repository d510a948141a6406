/**
 * Validation of one entry of a manifest's `services` array, with its defaults applied.
 */
import { checkKnownKeys } from './known-keys.js';
import { ISOLATIONS } from './manifest.js';
import type { Isolation, ResourceLimits, ServiceManifest } from './manifest.js';
import { fieldPath } from './problem-list.js';
import type { ProblemList } from './problem-list.js';
import { isPlainObject } from '../plain-object.js';

/** Service names: an identifier or kebab-case word, so `plugin/service` stays unambiguous. */
export const SERVICE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Contract names: `name@major`, e.g. `storage@1`. */
export const CONTRACT = /^[a-z][a-z0-9-]*@\d+$/;

const SERVICE_KEYS = [
  'name',
  'contract',
  'isolation',
  'threads',
  'defaultConfig',
  'configSchema',
  'resourceLimits',
  'idempotent',
] as const;

const RESOURCE_LIMIT_KEYS = [
  'maxOldGenerationSizeMb',
  'maxYoungGenerationSizeMb',
  'codeRangeSizeMb',
  'stackSizeMb',
] as const satisfies readonly (keyof ResourceLimits)[];

/**
 * `value`, or `fallback` when the key is absent. Only absence means "use the default":
 * an explicit `null` is a mistake to report, not a request for the default.
 */
export function orDefault(value: unknown, fallback: unknown): unknown {
  return value === undefined ? fallback : value;
}

/**
 * Validates `services[index]` and returns it with defaults applied (`isolation: 'thread'`,
 * `threads: 1`, `defaultConfig: {}`, `idempotent: []`). Every problem goes to `problems`;
 * the result is undefined when there was any, so a half-valid service is never returned.
 */
export function parseService(
  raw: unknown,
  field: string,
  problems: ProblemList,
): ServiceManifest | undefined {
  if (!isPlainObject(raw)) {
    problems.add(field, 'an object with at least "name" and "contract"', raw);
    return undefined;
  }
  const before = problems.size;
  const at = (key: string): string => fieldPath(field, key);
  checkKnownKeys(raw, SERVICE_KEYS, field, problems);

  const { name, contract } = raw;
  if (typeof name !== 'string' || !SERVICE_NAME.test(name)) {
    problems.add(at('name'), 'a name of letters, digits, "-" or "_" such as "storage"', name);
  }
  if (typeof contract !== 'string' || !CONTRACT.test(contract)) {
    problems.add(at('contract'), '"name@major" such as "storage@1"', contract);
  }

  const isolation = orDefault(raw['isolation'], 'thread');
  const isIsolation = ISOLATIONS.includes(isolation as Isolation);
  if (!isIsolation) {
    problems.add(
      at('isolation'),
      `one of ${ISOLATIONS.map((i) => `"${i}"`).join(', ')}`,
      isolation,
    );
  }

  const threads = orDefault(raw['threads'], 1);
  if (!Number.isSafeInteger(threads) || (threads as number) < 1) {
    problems.add(at('threads'), 'a positive integer', threads);
  } else if ((threads as number) > 1 && isIsolation && isolation !== 'pool') {
    // Only a pool spreads calls over threads; elsewhere extra threads would sit idle.
    problems.add(at('threads'), '1 unless "isolation" is "pool"', threads);
  }

  const defaultConfig = orDefault(raw['defaultConfig'], {});
  if (!isPlainObject(defaultConfig)) problems.add(at('defaultConfig'), 'an object', defaultConfig);

  const { configSchema } = raw;
  if (configSchema !== undefined && !isPlainObject(configSchema)) {
    problems.add(at('configSchema'), 'a JSON schema object', configSchema);
  }

  const resourceLimits = parseResourceLimits(raw['resourceLimits'], at('resourceLimits'), problems);
  const idempotent = parseMethodNames(orDefault(raw['idempotent'], []), at('idempotent'), problems);

  if (problems.size > before) return undefined;
  const service: ServiceManifest = {
    name: name as string,
    contract: contract as string,
    isolation: isolation as Isolation,
    threads: threads as number,
    defaultConfig: defaultConfig as Record<string, unknown>,
    idempotent,
  };
  if (configSchema !== undefined) service.configSchema = configSchema as Record<string, unknown>;
  if (resourceLimits !== undefined) service.resourceLimits = resourceLimits;
  return service;
}

function parseResourceLimits(
  raw: unknown,
  field: string,
  problems: ProblemList,
): ResourceLimits | undefined {
  if (raw === undefined) return undefined;
  if (!isPlainObject(raw)) {
    problems.add(field, `an object with any of ${RESOURCE_LIMIT_KEYS.join(', ')}`, raw);
    return undefined;
  }
  checkKnownKeys(raw, RESOURCE_LIMIT_KEYS, field, problems);
  const limits: ResourceLimits = {};
  for (const key of RESOURCE_LIMIT_KEYS) {
    const value = raw[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      problems.add(fieldPath(field, key), 'a positive number of megabytes', value);
    } else {
      limits[key] = value;
    }
  }
  return limits;
}

function parseMethodNames(raw: unknown, field: string, problems: ProblemList): string[] {
  if (!Array.isArray(raw)) {
    problems.add(field, 'an array of method names', raw);
    return [];
  }
  const names: string[] = [];
  raw.forEach((item: unknown, index) => {
    if (typeof item === 'string' && item !== '') names.push(item);
    else problems.add(fieldPath(field, index), 'a method name', item);
  });
  return names;
}
