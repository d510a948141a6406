/**
 * How an error thrown inside a plugin call is presented to the caller: always a
 * BerthError naming the plugin, service and method, with the plugin's own error (its
 * name, message and worker-side stack) as `cause`.
 *
 * A plugin's error reaches here rebuilt by fromWireError (src/errors.ts), which has
 * bounded it and demoted any code the plugin may not report (a forged
 * BERTH_ERR_PLUGIN_CRASHED arrives as a plain Error with that `code`), in every
 * isolation mode: inline mode copies it across the wire too ({@link copyAcrossWire}).
 */
import { BerthError, codes, isBerthError, MAX_MESSAGE_CHARS, MAX_NAME_CHARS } from '../errors.js';
import { describeThrown, fromWireError, toWireError } from '../wire-error.js';
import { boundText } from '../error-bounds.js';

/** Where a call went. */
export interface CallSite {
  plugin: string;
  service: string;
  method: string;
}

/**
 * Presents `error` from a call at `site`, and never throws. A BerthError that already
 * names its plugin and method passes unchanged; one that names only its plugin (a crash)
 * is copied with the call's site; a BerthError the plugin threw with a code it may report
 * keeps that code (that is how a plugin reports a revision conflict); anything else
 * becomes BERTH_ERR_PLUGIN_ERROR, its message at most MAX_MESSAGE_CHARS. A value that
 * cannot be inspected (a Proxy whose traps throw) is presented as its wire copy.
 */
export function presentCallError(error: unknown, site: CallSite): BerthError {
  try {
    return present(error, site);
  } catch {
    // Reading `error` ran code that threw (isBerthError on a Proxy runs its `has` trap):
    // its wire copy can be read.
    try {
      return present(copyAcrossWire(error), site);
    } catch {
      return new BerthError(
        codes.PLUGIN_ERROR,
        `${where(site)} threw a value that cannot be inspected`,
        site,
      );
    }
  }
}

/**
 * What a thread's caller receives for `thrown`: its wire copy (toWireError, then
 * fromWireError), bounded and with host codes demoted. Inline isolation passes a plugin's
 * errors through it, so they reach the caller as they would from a thread. Never throws.
 */
export function copyAcrossWire(thrown: unknown): Error {
  return fromWireError(toWireError(thrown));
}

function where(site: CallSite): string {
  return `${site.plugin}/${site.service}.${site.method}`;
}

function present(error: unknown, site: CallSite): BerthError {
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
    return new BerthError(
      error.code,
      boundText(`${where(site)}: ${error.message}`, MAX_MESSAGE_CHARS),
      { ...site, data: error.data, cause: error },
    );
  }
  const name =
    error instanceof Error ? boundText(String(error.name), MAX_NAME_CHARS) : 'a non-Error value';
  return new BerthError(
    codes.PLUGIN_ERROR,
    boundText(`${where(site)} threw ${name}: ${describeThrown(error)}`, MAX_MESSAGE_CHARS),
    { ...site, cause: error },
  );
}
