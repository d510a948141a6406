/**
 * The `engines.berth` check: a plugin states the Berth versions it was built for, and a
 * host outside that range refuses it before any of its code loads.
 */
import semver from 'semver';

import { BerthError, codes } from '../errors.js';

// A prerelease host (`1.2.0-rc.1`) would otherwise fail every plain range such as
// `^1.0.0`, which would make release candidates useless for testing real plugins.
const RANGE_OPTIONS = { includePrerelease: true } as const;

/** True when `range` is a non-empty semver range that npm would also accept. */
export function isEngineRange(range: string): boolean {
  return range.trim() !== '' && semver.validRange(range) !== null;
}

/**
 * A range to suggest for `engines.berth` that `hostVersion` satisfies: `^1.0.0` for 1.4.2,
 * `^0.1.0` for 0.1.3 (a caret on 0.x keeps the minor, as semver treats 0.x minors as
 * breaking), `^2.0.0-rc.1` for that release candidate (which `^2.0.0` excludes).
 */
export function engineRangeExample(hostVersion: string): string {
  const parsed = semver.parse(hostVersion);
  if (parsed === null) return '^1.0.0';
  if (parsed.prerelease.length > 0) return `^${parsed.version}`;
  return parsed.major === 0 ? `^0.${parsed.minor}.0` : `^${parsed.major}.0.0`;
}

/**
 * Throws `CONFIG_INVALID` (`data.field: 'hostVersion'`) unless `hostVersion` is a valid
 * semver version; the host version is the caller's input, never the plugin's.
 */
export function checkHostVersion(hostVersion: string): void {
  if (semver.valid(hostVersion) !== null) return;
  throw new BerthError(
    codes.CONFIG_INVALID,
    `hostVersion must be a semver version such as "1.0.0" (got ${JSON.stringify(hostVersion)})`,
    { data: { field: 'hostVersion', hostVersion } },
  );
}

/**
 * Throws `ENGINE_INCOMPATIBLE` unless `hostVersion` satisfies `range`; the message holds
 * both, and `data` is `{ file, field: 'engines.berth', range, hostVersion }`. Prerelease
 * hosts are matched as their release would be. An invalid `hostVersion` throws
 * `CONFIG_INVALID` (see {@link checkHostVersion}).
 */
export function checkEngineRange(
  range: string,
  hostVersion: string,
  file: string,
  plugin?: string,
): void {
  checkHostVersion(hostVersion);
  if (semver.satisfies(hostVersion, range, RANGE_OPTIONS)) return;
  const who = plugin === undefined ? 'The plugin' : `Plugin "${plugin}"`;
  throw new BerthError(
    codes.ENGINE_INCOMPATIBLE,
    `${who} needs Berth ${range} (engines.berth in plugin.json at ${file}), but this host is ` +
      `Berth ${hostVersion}; use a version of the plugin made for Berth ${hostVersion}, ` +
      `or a Berth within ${range}`,
    { plugin, data: { file, field: 'engines.berth', range, hostVersion } },
  );
}
