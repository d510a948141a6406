/**
 * What to do about a plugin whose main module will not import: the hint that ends the
 * BERTH_ERR_PLUGIN_LOAD message, named for the real cause (a missing build, a package the
 * plugin imports that is not installed, ES modules read as CommonJS or the reverse).
 */
import { pathToFileURL } from 'node:url';

/** The hint for `thrown`, the error of importing the module at `mainPath`. */
export function loadFailureHint(thrown: unknown, mainPath: string): string {
  const code = (thrown as { code?: unknown } | null)?.code;
  const message = thrown instanceof Error ? thrown.message : '';
  if (code === 'ERR_MODULE_NOT_FOUND') {
    const missing = /Cannot find package '([^']+)'/.exec(message)?.[1];
    if (missing !== undefined) {
      return (
        `It imports the package "${missing}", which cannot be found from its folder: ` +
        `install it there (npm install ${missing}).`
      );
    }
    if (message.includes(mainPath) || message.includes(pathToFileURL(mainPath).href)) {
      return 'Its main module is missing: build the plugin, and check "main" in its plugin.json.';
    }
    return 'A module it imports is missing: build the plugin, and check its relative imports (ES modules need the .js extension).';
  }
  if (/Cannot use import statement outside a module|Unexpected token 'export'/.test(message)) {
    return (
      'Its code is an ES module, but Node reads it as CommonJS: add "type": "module" to ' +
      'the package.json nearest to its main module (or compile to CommonJS).'
    );
  }
  if (/(require|module|exports) is not defined in ES module scope/.test(message)) {
    return (
      'Its code is CommonJS, but Node reads it as an ES module ("type": "module" in the ' +
      'nearest package.json): compile it to ES modules, or name the files .cjs.'
    );
  }
  return 'Build the plugin, and check "main" in its plugin.json.';
}
