/**
 * The host provides the SDK: a plugin's `import 'berth/sdk'` gets the SDK of the Berth
 * that runs it, wherever the plugin's folder is, the way an editor hands its extensions
 * its own API module. A plugin then needs no `node_modules/berth` of its own, and the SDK
 * it runs against always matches the host (its `engines.berth` still gates it).
 *
 * A plugin that already resolves `berth/sdk` to this very file (the usual case: it sits
 * in a project that has Berth installed) costs nothing. Otherwise, before its first such
 * plugin loads, a thread registers a module resolution hook (`node:module` register; each
 * worker thread has hooks of its own) that answers `berth/sdk` with this SDK. Registering
 * costs about 60 ms and a few MB per thread, which is why it is not done for every plugin.
 */
import { existsSync, realpathSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The specifier the host answers. */
export const SDK_SPECIFIER = 'berth/sdk';

const HOOK = `let sdk;
export function initialize(data) { sdk = data.sdk; }
export async function resolve(specifier, context, next) {
  if (specifier === ${JSON.stringify(SDK_SPECIFIER)}) return { url: sdk, shortCircuit: true, format: 'module' };
  return next(specifier, context);
}`;

let registered = false;

/**
 * Makes `import 'berth/sdk'` in the plugin whose main module is `mainPath` load this
 * host's SDK. Never throws: when the SDK cannot be provided (the host runs from source),
 * the plugin resolves it as Node would.
 */
export function provideSdk(mainPath: string): void {
  if (registered) return;
  const sdk = ownSdk();
  if (sdk === undefined || resolvesTo(mainPath) === sdk.path) return;
  try {
    register(`data:text/javascript,${encodeURIComponent(HOOK)}`, { data: { sdk: sdk.url } });
    registered = true;
  } catch {
    // A runtime without module hooks: the plugin resolves berth/sdk as Node would, and a
    // plugin that cannot is told so by its load error.
  }
}

/** This host's built SDK, or undefined when the host runs from its TypeScript source. */
function ownSdk(): { url: string; path: string } | undefined {
  const url = new URL('../sdk/index.js', import.meta.url);
  if (!existsSync(url)) return undefined;
  return { url: url.href, path: realpathSync(fileURLToPath(url)) };
}

/** Where `berth/sdk` resolves from the plugin's main module, or undefined if nowhere. */
function resolvesTo(mainPath: string): string | undefined {
  try {
    return realpathSync(createRequire(mainPath).resolve(SDK_SPECIFIER));
  } catch {
    return undefined;
  }
}
