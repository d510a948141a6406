/**
 * The copy of Berth that is running: where its package root is, and the versions of the
 * tools it is built and tested with. `berth init` links a new plugin to this copy (Berth
 * is not on the public registry, so a plugin cannot fetch it by version) and gives the
 * plugin the same TypeScript, vitest and Node types, which the npm cache already holds.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BERTH_VERSION } from '../../index.js';

/** What a new plugin needs to know about the Berth that made it. */
export interface BerthPackage {
  /** The folder holding Berth's package.json: a checkout, or `node_modules/berth`. */
  root: string;
  version: string;
  /** Version ranges of the plugin's dev tools: typescript, vitest, @types/node. */
  devTools: Record<DevTool, string>;
}

/** The dev dependencies every scaffold gets. */
export type DevTool = 'typescript' | 'vitest' | '@types/node';

/**
 * The ranges used when Berth's package.json does not list a tool (a copy repackaged
 * without its dev dependencies); they match the ones this repository pins.
 */
const FALLBACK_DEV_TOOLS: Record<DevTool, string> = {
  typescript: '~6.0.3',
  vitest: '^4.1.12',
  '@types/node': '^20.19.43',
};

interface PackageJson {
  name?: unknown;
  devDependencies?: Record<string, unknown>;
}

/**
 * Finds the running Berth's package root by walking up from this module to the first
 * package.json named `berth`: that works from src/ (tests), dist/src/ (the build) and an
 * installed copy alike. Throws a plain Error when there is none, which means the
 * installation is broken (the version module would have failed first).
 */
export function readBerthPackage(from = import.meta.url): BerthPackage {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    const pkg = readPackageJson(join(dir, 'package.json'));
    if (pkg?.name === 'berth') {
      return { root: dir, version: BERTH_VERSION, devTools: devToolsOf(pkg) };
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`cannot find Berth's package.json above ${fileURLToPath(from)}; reinstall Berth`);
}

function readPackageJson(file: string): PackageJson | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as PackageJson) : undefined;
  } catch {
    // Missing or broken: not Berth's, keep walking.
    return undefined;
  }
}

function devToolsOf(pkg: PackageJson): Record<DevTool, string> {
  const tools = { ...FALLBACK_DEV_TOOLS };
  for (const tool of Object.keys(tools) as DevTool[]) {
    const range = pkg.devDependencies?.[tool];
    if (typeof range === 'string') tools[tool] = range;
  }
  return tools;
}
