/**
 * The environment a plugin's workers get. A worker's `process.env` is by default a copy
 * of the host's, so the admin token, database passwords and any other secret of the host
 * would be readable by every plugin. Workers get a short allowlist of harmless variables
 * (the system's paths, locale and time zone) and the variables their manifest declares in
 * `env`; configuration reaches plugins through their config.
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
