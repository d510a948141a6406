/**
 * The sources of Berth's config, each turned into the shape of berth.config.json and
 * checked against its schema before anything is taken from it: the file, then the
 * `BERTH_*` environment variables, then flags. A value that came in as text (every
 * variable and flag) is read as a number where the schema wants one, and as JSON where
 * it wants an object, so a bad one is reported under the name the user typed.
 */
import { readFile } from 'node:fs/promises';
import { delimiter, dirname, resolve } from 'node:path';

import { BerthError, codes } from '../errors.js';
import { describeThrown } from '../wire-error.js';
import { isPlainObject } from '../plain-object.js';
import { CONFIG_FILE, checkBerthConfig, schemaTypeOf } from './berth-config-schema.js';
import { describeJsonError, jsonErrorPosition } from './json-error-position.js';
import type { ServiceFlags } from './service-config.js';

/** One source's values, in the file's shape, and what its relative paths are relative to. */
export interface ConfigSource {
  values: Record<string, unknown>;
  base: string;
}

/** Where each environment variable goes in the file's shape. */
const ENV_KEYS: Record<string, string> = {
  BERTH_HOST: 'host',
  BERTH_PORT: 'port',
  BERTH_DATA_DIR: 'dataDir',
  BERTH_PLUGINS: 'plugins',
  BERTH_BUNDLED_PLUGINS: 'bundledPlugins',
  BERTH_STORAGE: 'storage.name',
  BERTH_STORAGE_CONFIG: 'storage.config',
  BERTH_STORAGE_ISOLATION: 'storage.isolation',
  BERTH_MODE: 'mode',
  BERTH_ISOLATION: 'isolation',
  BERTH_ADMIN_TOKEN: 'adminToken',
  BERTH_LOG_LEVEL: 'logLevel',
};

/** Where each flag goes in the file's shape: the key its `--help` line speaks of. */
export const FLAG_KEYS: Record<string, string> = {
  '--host': 'host',
  '--port': 'port',
  '--data-dir': 'dataDir',
  '--plugins': 'plugins',
  '--no-bundled-plugins': 'bundledPlugins',
  '--storage-name': 'storage.name',
  '--storage-config': 'storage.config',
  '--storage-isolation': 'storage.isolation',
  '--mode': 'mode',
  '--isolation': 'isolation',
  '--log-level': 'logLevel',
  '--body-limit': 'bodyLimit',
};

/**
 * The file (when there is one), the environment and the flags, in that order, each
 * checked against the schema. Throws BERTH_ERR_CONFIG_INVALID for the first source that
 * fails, and when the file `flags.config` names cannot be read.
 */
export async function readConfigSources(
  flags: ServiceFlags,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<ConfigSource[]> {
  const sources: ConfigSource[] = [];
  const file = await readConfigFile(flags.config, cwd);
  if (file !== undefined) sources.push(file);
  const fromFlags: Record<string, string | string[] | undefined> = {
    '--host': flags.host,
    '--port': flags.port,
    '--data-dir': flags.dataDir,
    '--plugins': flags.plugins,
    // The flag can only say no: commander's `true` when it is absent sets nothing.
    '--no-bundled-plugins': flags.bundledPlugins === false ? 'false' : undefined,
    '--storage-name': flags.storageName,
    '--storage-config': flags.storageConfig,
    '--storage-isolation': flags.storageIsolation,
    '--mode': flags.mode,
    '--isolation': flags.isolation,
    '--log-level': flags.logLevel,
    '--body-limit': flags.bodyLimit,
  };
  // A variable a flag overrides is not judged: `BERTH_PORT=x berth serve --port 80` serves.
  const flagged = new Set(
    Object.entries(fromFlags)
      .filter(([, value]) => isSet(value))
      .map(([name]) => FLAG_KEYS[name]),
  );
  const fromEnv: Record<string, string | string[] | undefined> = Object.fromEntries(
    Object.keys(ENV_KEYS)
      .filter((name) => !flagged.has(ENV_KEYS[name]))
      .map((name) => [name, name === 'BERTH_PLUGINS' ? env[name]?.split(delimiter) : env[name]]),
  );
  sources.push({ values: shape(fromEnv, ENV_KEYS, 'environment'), base: cwd });
  sources.push({ values: shape(fromFlags, FLAG_KEYS, 'flags'), base: cwd });
  return sources;
}

/** The file's values, or undefined when no file is named and ./berth.config.json is absent. */
async function readConfigFile(
  named: string | undefined,
  cwd: string,
): Promise<ConfigSource | undefined> {
  const path = resolve(cwd, named ?? CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    // Only a file named explicitly must exist.
    if (named === undefined && (error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw new BerthError(
      codes.CONFIG_INVALID,
      `cannot read the config file ${path}: ${describeThrown(error)}; check -c/--config`,
      { cause: error, data: { source: path, key: '' } },
    );
  }
  const values = parseJson(text.startsWith('\uFEFF') ? text.slice(1) : text, path, path, '');
  if (!isPlainObject(values)) {
    throw new BerthError(codes.CONFIG_INVALID, `${path} must hold a JSON object`, {
      data: { source: path, key: '' },
    });
  }
  checkBerthConfig(values, path);
  return { values, base: dirname(path) };
}

/**
 * Text values by variable or flag name -> the file's shape, checked against the
 * schema, with problems named as the user typed them (`BERTH_PORT`, `--port`).
 */
function shape(
  given: Record<string, string | string[] | undefined>,
  keys: Record<string, string>,
  source: string,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  const names = new Map<string, string>();
  for (const [name, text] of Object.entries(given)) {
    const path = keys[name];
    if (path === undefined || !isSet(text)) continue;
    const list = Array.isArray(text) ? text.filter((item) => item.trim() !== '') : undefined;
    names.set(path, name);
    const [top = '', sub] = path.split('.');
    const value = list ?? fromText(text as string, path, source, name);
    if (sub === undefined) values[top] = value;
    else values[top] = { ...(values[top] as object | undefined), [sub]: value };
  }
  checkBerthConfig(values, source, (field) => names.get(field) ?? field);
  return values;
}

/** Whether a variable or flag sets anything: an empty one, or a list naming nothing, does not. */
function isSet(text: string | string[] | undefined): text is string | string[] {
  if (Array.isArray(text)) return text.some((item) => item.trim() !== '');
  return text !== undefined && text !== '';
}

/** A text value as the schema types its key: a number, a boolean, a JSON object, or the text. */
function fromText(text: string, path: string, source: string, name: string): unknown {
  if (path === 'storage.config') return parseJson(text, `${source}: ${name}`, source, path);
  const type = schemaTypeOf(path);
  if (type === 'integer' && /^\s*-?\d+(?:\.\d+)?\s*$/.test(text)) return Number(text);
  if (type === 'boolean' && /^\s*(?:true|false)\s*$/.test(text)) return text.trim() === 'true';
  return text;
}

function parseJson(text: string, label: string, source: string, key: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new BerthError(
      codes.CONFIG_INVALID,
      `${label} is not valid JSON: ${describeThrown(error)}${describeJsonError(jsonErrorPosition(text))}`,
      { cause: error, data: { source, key } },
    );
  }
}
