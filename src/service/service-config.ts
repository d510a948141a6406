/**
 * The service's configuration: defaults, then `berth.config.json` (or `--config FILE`),
 * then `BERTH_*` environment variables, then flags; each later source wins. Every value
 * is checked, and an error names the source and the key. The file's JSON schema is
 * docs/berth.config.schema.json.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { BerthError, codes } from '../index.js';

/** Everything `berth serve` needs to know. */
export interface ServiceConfig {
  /** Interface to listen on; 127.0.0.1 unless told otherwise. */
  host: string;
  port: number;
  dataDir: string;
  /** Plugin folders; undefined lets the host use BERTH_PLUGINS or ./plugins. */
  plugins: string[] | undefined;
  storage: { name: string; config: Record<string, unknown> };
  /** `production`: thread isolation under the supervisor; `development`: inline, so breakpoints bind. */
  mode: 'production' | 'development';
  /**
   * The token mutating admin calls must carry as `Authorization: Bearer <token>`. When
   * none is configured, the service generates one in `<dataDir>/admin-token`; listening
   * beyond loopback needs a configured one.
   */
  adminToken: string | undefined;
  /** More names the service is reached by, beyond loopback and its listening address. */
  allowedHosts: string[];
  /** Origins (`https://console.example.com`) whose pages may call the service. */
  allowedOrigins: string[];
  /** More folders plugins may be installed from, beyond the plugin directories and node_modules. */
  installFrom: string[];
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
  logLevel: string;
  /** Time a client has to send a whole request, headers and body, before a 408; at least `headersTimeoutMs`. */
  requestTimeoutMs: number;
  /** Time a client has to send a request's headers before a 408. */
  headersTimeoutMs: number;
}

/** The defaults: 127.0.0.1:7070, ./data, SQLite, production. */
export const DEFAULT_SERVICE_CONFIG: ServiceConfig = {
  host: '127.0.0.1',
  port: 7070,
  dataDir: 'data',
  plugins: undefined,
  storage: { name: 'sqlite-storage', config: {} },
  mode: 'production',
  adminToken: undefined,
  allowedHosts: [],
  allowedOrigins: [],
  installFrom: [],
  bodyLimit: 4 * 1024 * 1024,
  logLevel: 'info',
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
};

/** Flags as `berth serve` passes them (all optional). */
export type ServiceFlags = Partial<
  Record<
    | 'config'
    | 'host'
    | 'port'
    | 'dataDir'
    | 'storageName'
    | 'storageConfig'
    | 'mode'
    | 'logLevel'
    | 'bodyLimit',
    string
  >
> & {
  plugins?: string[];
};

function bad(source: string, key: string, expected: string, got: unknown): BerthError {
  return new BerthError(
    codes.CONFIG_INVALID,
    `${source}: ${key} must be ${expected} (got ${JSON.stringify(got)})`,
    {
      data: { source, key },
    },
  );
}

function parseJsonObject(text: string, source: string, key: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad(source, key, 'a JSON object', text);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw bad(source, key, 'a JSON object', value);
  return value as Record<string, unknown>;
}

/** Applies one source's raw values over `config`, checking each. */
function apply(
  config: ServiceConfig,
  raw: Record<string, unknown>,
  source: string,
  base: string,
): ServiceConfig {
  const next = { ...config, storage: { ...config.storage } };
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    switch (key) {
      case 'host':
        if (typeof value !== 'string' || value === '')
          throw bad(source, key, 'an interface address such as "127.0.0.1"', value);
        next.host = value;
        break;
      case 'port':
      case 'bodyLimit': {
        const n = typeof value === 'string' ? Number(value) : value;
        const max = key === 'port' ? 65_535 : 1024 ** 3;
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > max)
          throw bad(source, key, `a whole number from 0 to ${max}`, value);
        next[key] = n;
        break;
      }
      case 'requestTimeoutMs':
      case 'headersTimeoutMs': {
        const n = typeof value === 'string' ? Number(value) : value;
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 3_600_000)
          throw bad(source, key, 'a whole number of milliseconds from 1 to 3600000', value);
        next[key] = n;
        break;
      }
      case 'dataDir':
        if (typeof value !== 'string') throw bad(source, key, 'a folder path', value);
        next.dataDir = resolve(base, value);
        break;
      case 'plugins':
      case 'installFrom':
        if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
          throw bad(source, key, 'a list of folder paths', value);
        next[key] = value.map((dir: string) => resolve(base, dir));
        break;
      case 'allowedHosts':
        if (
          !Array.isArray(value) ||
          !value.every((v) => typeof v === 'string' && /^[^\s/]+$/.test(v))
        )
          throw bad(source, key, 'a list of host names such as "berth.internal"', value);
        next.allowedHosts = value as string[];
        break;
      case 'allowedOrigins':
        if (!Array.isArray(value) || !value.every(isOrigin))
          throw bad(source, key, 'a list of origins such as "https://console.example.com"', value);
        next.allowedOrigins = value as string[];
        break;
      case 'storage': {
        const storage = typeof value === 'string' ? { name: value } : value;
        if (typeof storage !== 'object' || storage === null)
          throw bad(source, key, '{ "name": "sqlite-storage", "config": {…} }', value);
        const { name, config } = storage as { name?: unknown; config?: unknown };
        if (name !== undefined) {
          if (typeof name !== 'string' || name === '')
            throw bad(source, 'storage.name', 'a plugin name', name);
          next.storage.name = name;
        }
        if (config !== undefined) {
          if (typeof config !== 'object' || config === null || Array.isArray(config))
            throw bad(source, 'storage.config', 'an object', config);
          next.storage.config = config as Record<string, unknown>;
        }
        break;
      }
      case 'storageConfig':
        next.storage.config =
          typeof value === 'string'
            ? parseJsonObject(value, source, key)
            : (value as Record<string, unknown>);
        break;
      case 'mode':
        if (value !== 'production' && value !== 'development')
          throw bad(source, key, '"production" or "development"', value);
        next.mode = value;
        break;
      case 'adminToken':
        if (typeof value !== 'string' || value === '')
          throw bad(source, key, 'a non-empty string', value);
        next.adminToken = value;
        break;
      case 'logLevel':
        if (
          typeof value !== 'string' ||
          !['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(value)
        ) {
          throw bad(source, key, 'trace, debug, info, warn, error, fatal or silent', value);
        }
        next.logLevel = value;
        break;
      case '$schema':
        break;
      default:
        throw new BerthError(codes.CONFIG_INVALID, `${source}: unknown key "${key}"`, {
          data: { source, key },
        });
    }
  }
  return next;
}

/** `scheme://host[:port]` and nothing more, as a browser sends it in `Origin`. */
function isOrigin(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return new URL(value).origin === value.toLowerCase();
  } catch {
    return false;
  }
}

/** Reads and merges every source. `env` defaults to process.env, `cwd` to process.cwd(). */
export async function loadServiceConfig(
  flags: ServiceFlags,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): Promise<ServiceConfig> {
  let config: ServiceConfig = {
    ...DEFAULT_SERVICE_CONFIG,
    dataDir: resolve(cwd, DEFAULT_SERVICE_CONFIG.dataDir),
  };
  const file =
    flags.config === undefined ? resolve(cwd, 'berth.config.json') : resolve(cwd, flags.config);
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    // Only a file named explicitly must exist.
    if (flags.config !== undefined)
      throw new BerthError(
        codes.CONFIG_INVALID,
        `cannot read config file ${file}: ${(error as Error).message}`,
      );
  }
  if (text !== undefined)
    config = apply(config, parseJsonObject(text, file, '(file)'), file, dirname(file));
  const fromEnv: Record<string, unknown> = {
    host: env['BERTH_HOST'],
    port: env['BERTH_PORT'],
    dataDir: env['BERTH_DATA_DIR'],
    storage: env['BERTH_STORAGE'],
    storageConfig: env['BERTH_STORAGE_CONFIG'],
    mode: env['BERTH_MODE'],
    adminToken: env['BERTH_ADMIN_TOKEN'] === '' ? undefined : env['BERTH_ADMIN_TOKEN'],
    logLevel: env['BERTH_LOG_LEVEL'],
  };
  config = apply(config, fromEnv, 'environment', cwd);
  const { plugins, storageName, config: _file, ...rest } = flags;
  config = apply(
    config,
    {
      ...rest,
      ...(storageName === undefined ? {} : { storage: storageName }),
      ...(plugins === undefined || plugins.length === 0 ? {} : { plugins }),
    },
    'flags',
    cwd,
  );
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    // Node refuses a server whose headers may take longer than the whole request.
    throw new BerthError(
      codes.CONFIG_INVALID,
      `headersTimeoutMs (${config.headersTimeoutMs}) must not exceed requestTimeoutMs (${config.requestTimeoutMs})`,
      { data: { key: 'headersTimeoutMs' } },
    );
  }
  return config;
}
