/**
 * How an error thrown inside a plugin call is presented to the caller: always a
 * BerthError naming the plugin, service and method, with the plugin's own error (its
 * name, message and worker-side stack) as `cause`.
 */
import { BerthError, codes, describeThrown, isBerthError } from '../errors.js';

/** Where a call went. */
export interface CallSite {
  plugin: string;
  service: string;
  method: string;
}

/**
 * Presents `error` from a call at `site`. A BerthError that already names its plugin
 * and method passes unchanged; one that names only its plugin (a crash) is copied with the call's
 * site; a BerthError the plugin
 * threw keeps its code (that is how a plugin reports a revision conflict); anything else
 * becomes BERTH_ERR_PLUGIN_ERROR.
 */
export function presentCallError(error: unknown, site: CallSite): BerthError {
  const where = `${site.plugin}/${site.service}.${site.method}`;
  if (isBerthError(error)) {
    if (error.plugin !== undefined && error.method !== undefined) return error;
    if (error.plugin !== undefined) {
      // Berth's own error about the plugin as a whole (a crash rejects every call with
      // one): each caller gets its own copy that names its call.
      return new BerthError(error.code, error.message, {
        ...site,
        data: error.data,
        cause: error.cause,
      });
    }
    return new BerthError(error.code, `${where}: ${error.message}`, {
      ...site,
      data: error.data,
      cause: error,
    });
  }
  const name = error instanceof Error ? error.name : 'a non-Error value';
  return new BerthError(codes.PLUGIN_ERROR, `${where} threw ${name}: ${describeThrown(error)}`, {
    ...site,
    cause: error,
  });
}
