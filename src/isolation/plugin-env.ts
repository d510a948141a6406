/**
 * The environment a plugin's workers get. A worker's `process.env` is by default a copy
 * of the host's, so the admin token, database passwords and any other secret of the host
 * would be readable by every plugin. Workers get a short allowlist of harmless variables
 * (the system's paths, locale and time zone) and the variables their manifest declares in
 * `env`; configuration reaches plugins through their config.
 *
 * Passed as the Worker (or piscina) `env`, and enforced again by the worker at boot
 * (WorkerBoot.envNames): Node 20 adds the variables of `node --env-file` to every
 * worker's `process.env` whatever that option says.
 *
 * What this cannot do: threads share one process, so on Linux any plugin can read the
 * environment the host process was launched with from /proc/self/environ (and the host's
 * files). It keeps secrets out of `process.env`, against accidents; it is no boundary
 * against a hostile plugin. Variables loaded with `--env-file`, or set in process.env at
 * run time, are not in /proc/self/environ. Inline isolation runs in the host's thread
 * and sees all of process.env.
 */

/** Variables every plugin gets, when the host has them. */
export const ENV_ALLOWLIST: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'TMP',
  'TEMP',
  'NODE_ENV',
];

/** Locale categories (`LC_ALL`, `LC_CTYPE`, …) pass too. */
const LOCALE = /^LC_[A-Z]+$/;

/** The host-only variables, which a plugin never gets, whatever it declares. */
const HOST_ONLY = /^BERTH_/;

/** The environment of a plugin that declares `declared`, taken from `env`. */
export function pluginEnv(
  declared: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || HOST_ONLY.test(name)) continue;
    if (ENV_ALLOWLIST.includes(name) || LOCALE.test(name) || declared.includes(name)) {
      out[name] = value;
    }
  }
  return out;
}
