/**
 * The shape of a validated `plugin.json`. Produced only by `parseManifest`, so every
 * field here has been checked; paths are still relative to the plugin's folder.
 */

/**
 * Where a service runs: `thread` (the default) in a worker of its own, `process` in a
 * Node.js process of its own, `inline` in the host's thread, `pool` on a piscina pool
 * of `threads` workers, each with an instance of
 * the plugin of its own (for stateless services only: state kept in memory is per
 * thread). A plugin runs in one runtime: on a pool when every service asks for one, in
 * the host's thread when every service asks for that, else in a worker thread.
 */
export type Isolation = 'inline' | 'thread' | 'pool' | 'process';

/** The isolation modes, in one place for validation and help texts. */
export const ISOLATIONS: readonly Isolation[] = ['inline', 'thread', 'pool', 'process'];

/**
 * Worker heap and stack limits, passed to `new Worker({ resourceLimits })` (a process
 * gets `--max-old-space-size`), and the limits only a process can have.
 */
export interface ResourceLimits {
  maxOldGenerationSizeMb?: number;
  maxYoungGenerationSizeMb?: number;
  codeRangeSizeMb?: number;
  stackSizeMb?: number;
  /** Process isolation: resident memory, heap and off-heap, in MB. */
  maxRssMb?: number;
  /** Process isolation: CPU time over the process's life, in seconds. */
  cpuSeconds?: number;
}

/**
 * Limits only a process can have (the host option `processLimits`; a manifest's
 * resourceLimits may lower the first two); unset ones are not enforced.
 */
export interface ProcessLimits {
  /** Resident memory of the process, heap and off-heap, in MB. */
  maxRssMb?: number | undefined;
  /** CPU time (user + system) over the process's life, in seconds. */
  cpuSeconds?: number | undefined;
  /** The user and group to run as (the host must run as root to set them). */
  uid?: number | undefined;
  gid?: number | undefined;
}

/** One service a plugin provides. */
export interface ServiceManifest {
  /** Unique within the plugin; how callers name it (`host.service('storage')`). */
  name: string;
  /** The contract it implements, `name@major` (`storage@1`). */
  contract: string;
  isolation: Isolation;
  /** Worker threads for `pool` isolation (a plugin's pool has the most any service asks); 1 otherwise. */
  threads: number;
  /** Config the service starts with; host config is merged over it. */
  defaultConfig: Record<string, unknown>;
  /** A JSON schema for the service's config, when the plugin gives one. */
  configSchema?: Record<string, unknown>;
  resourceLimits?: ResourceLimits;
  /** Methods safe to retry once on a fresh worker after a crash. */
  idempotent: string[];
}

/** A validated plugin manifest. */
export interface PluginManifest {
  name: string;
  version: string;
  description: string;
  /** The semver range of Berth versions the plugin works with. */
  engines: { berth: string };
  /** The built entry module, relative to the plugin folder. */
  main: string;
  services: ServiceManifest[];
  /** Service names in start order (stop order is the reverse). */
  serviceOrder: string[];
  /** SQL migration files, relative to the plugin folder, in apply order. */
  migrations: string[];
  /**
   * Environment variables the plugin reads, passed to its workers from the host's
   * environment (plugin-env.ts); its workers see these and a short allowlist, nothing else.
   */
  env: string[];
  /**
   * Bytes of the plugin worker's result arena (the shared memory large results come back
   * in); absent: the host's `dataPlane.arenaBytes`, default 16 MiB.
   */
  arenaBytes?: number;
}
