/**
 * Berth's one configuration, for `berth serve` and every command that starts plugins:
 * the defaults, then `berth.config.json` (or the file `-c/--config` names), then
 * `BERTH_*` environment variables, then flags; each later source wins. The file's schema,
 * docs/berth.config.schema.json, is the definition: it validates the file, the
 * environment and the flags alike, and gives the defaults. What a schema cannot say (a
 * timeout that must not outlast another, an origin as a browser sends it) is checked here.
 */
import { resolve } from 'node:path';

import { BerthError, codes } from '../errors.js';
import type { Isolation, ProcessLimits } from '../manifest/index.js';
import type { PluginConfigs } from './resolve-service-config.js';
import { CONFIG_FILE, schemaDefaults } from './berth-config-schema.js';
import { readConfigSources } from './config-sources.js';
import type { ConfigSource } from './config-sources.js';

/** Everything `berth serve` (and `berth demo`, `berth plugins list`) needs to know. */
export interface ServiceConfig {
  /** Interface to listen on; 127.0.0.1 unless told otherwise. */
  host: string;
  port: number;
  dataDir: string;
  /** The user's plugin folders; undefined means ./plugins when it exists. */
  plugins: string[] | undefined;
  /** Whether the plugins that ship with Berth are found too, beside `plugins`. */
  bundledPlugins: boolean;
  /** The storage plugin, its config, and the isolation it runs in when not its manifest's. */
  storage: { name: string; config: Record<string, unknown>; isolation?: Isolation | undefined };
  /** `production`: each plugin as its manifest asks, supervised; `development`: inline, so breakpoints bind. */
  mode: 'production' | 'development';
  /** Forces one isolation for every plugin (development, tests); undefined lets `mode` and the manifests decide. */
  isolation: Isolation | undefined;
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
  /** Config for plugins' services, by plugin, then service, merged over their defaultConfig. */
  config: PluginConfigs;
  /** Limits of every plugin process (the host option `processLimits`). */
  processLimits: ProcessLimits;
}

/** The defaults, the schema's: 127.0.0.1:7070, ./data, SQLite, production. */
export const DEFAULT_SERVICE_CONFIG: ServiceConfig = {
  ...(schemaDefaults() as Omit<ServiceConfig, 'plugins' | 'adminToken' | 'isolation'>),
  plugins: undefined,
  adminToken: undefined,
  isolation: undefined,
};

/** Flags as the commands pass them (all optional). */
export type ServiceFlags = Partial<
  Record<
    | 'config'
    | 'host'
    | 'port'
    | 'dataDir'
    | 'storageName'
    | 'storageConfig'
    | 'storageIsolation'
    | 'mode'
    | 'isolation'
    | 'logLevel'
    | 'bodyLimit',
    string
  >
> & {
  plugins?: string[];
  /** `--no-bundled-plugins` gives false; true (commander's value when it is absent) sets nothing. */
  bundledPlugins?: boolean;
};

/**
 * The host option that forces one isolation on every plugin: `isolation` when set, else inline in
 * development (so breakpoints bind), else none (each manifest decides).
 */
export function forcedIsolation(config: Pick<ServiceConfig, 'mode' | 'isolation'>): {
  isolation?: Isolation;
} {
  const isolation = config.isolation ?? (config.mode === 'development' ? 'inline' : undefined);
  return isolation === undefined ? {} : { isolation };
}

/**
 * Reads and merges every source; `env` defaults to process.env, `cwd` to
 * process.cwd(). Throws BERTH_ERR_CONFIG_INVALID naming the source and the field
 * (`data: { source, key }`) for anything the schema or the checks here refuse, and when
 * a file named by `flags.config` cannot be read; ./berth.config.json may be absent.
 */
export async function loadServiceConfig(
  flags: ServiceFlags,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): Promise<ServiceConfig> {
  let config: ServiceConfig = {
    ...structuredClone(DEFAULT_SERVICE_CONFIG),
    dataDir: resolve(cwd, DEFAULT_SERVICE_CONFIG.dataDir),
  };
  for (const source of await readConfigSources(flags, env, cwd)) config = apply(config, source);
  checkAcrossFields(config, resolve(cwd, flags.config ?? CONFIG_FILE));
  return config;
}

/** Lays one source, already checked against the schema, over `config`. */
function apply(config: ServiceConfig, { values, base }: ConfigSource): ServiceConfig {
  const next: ServiceConfig = { ...config, storage: { ...config.storage } };
  for (const [key, value] of Object.entries(values)) {
    switch (key) {
      case '$schema':
        break;
      case 'dataDir':
        next.dataDir = resolve(base, value as string);
        break;
      case 'plugins':
      case 'installFrom':
        next[key] = (value as string[]).map((dir) => resolve(base, dir));
        break;
      case 'storage': {
        const {
          name,
          config: storageConfig,
          isolation,
        } = value as Partial<ServiceConfig['storage']>;
        if (name !== undefined) next.storage.name = name;
        if (storageConfig !== undefined) next.storage.config = storageConfig;
        if (isolation !== undefined) next.storage.isolation = isolation;
        break;
      }
      default:
        (next as unknown as Record<string, unknown>)[key] = value;
    }
  }
  return next;
}

/** The checks a schema cannot express; `file` names the config file (allowedOrigins come only from it). */
function checkAcrossFields(config: ServiceConfig, file: string): void {
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    // Node refuses a server whose headers may take longer than the whole request.
    throw new BerthError(
      codes.CONFIG_INVALID,
      `headersTimeoutMs (${config.headersTimeoutMs}) must not exceed requestTimeoutMs ` +
        `(${config.requestTimeoutMs}); raise requestTimeoutMs or lower headersTimeoutMs`,
      { data: { key: 'headersTimeoutMs' } },
    );
  }
  config.allowedOrigins.forEach((origin, index) => {
    if (isOrigin(origin)) return;
    throw new BerthError(
      codes.CONFIG_INVALID,
      `${file}: allowedOrigins[${index}] must be an origin as a browser sends it, ` +
        `scheme://host[:port] with no default port, path or trailing slash (got ${JSON.stringify(origin)})`,
      { data: { source: file, key: `allowedOrigins[${index}]` } },
    );
  });
}

/** `scheme://host[:port]` and nothing more, as a browser sends it in `Origin`. */
function isOrigin(value: string): boolean {
  try {
    return new URL(value).origin === value.toLowerCase();
  } catch {
    return false;
  }
}
