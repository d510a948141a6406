/**
 * How operators name a plugin, or one installed version of it: `echo` or `echo@1.2.0`.
 */
import semver from 'semver';
import { BerthError, codes } from '../../errors.js';
import { PLUGIN_NAME } from '../../manifest/manifest-schema.js';

/** A plugin name and, optionally, one of its versions. */
export interface PluginRef {
  name: string;
  version?: string;
}

/**
 * Parses `name` or `name@version`. Throws BERTH_ERR_INVALID_ARGUMENT, showing the
 * accepted forms, when the name is not a plugin name or the version not a semver version.
 */
export function parsePluginRef(text: string): PluginRef {
  const at = text.indexOf('@');
  const name = at === -1 ? text : text.slice(0, at);
  const version = at === -1 ? undefined : text.slice(at + 1);
  if (!PLUGIN_NAME.test(name) || (version !== undefined && semver.valid(version) === null)) {
    throw new BerthError(
      codes.INVALID_ARGUMENT,
      `${JSON.stringify(text)} does not name a plugin: use NAME or NAME@VERSION, such as ` +
        '"sqlite-storage" or "sqlite-storage@1.2.0"',
      { data: { ref: text } },
    );
  }
  return version === undefined ? { name } : { name, version };
}
