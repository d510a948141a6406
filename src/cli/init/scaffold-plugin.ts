/**
 * `scaffoldPlugin`: writes a new plugin folder that builds and passes its own tests once
 * its dependencies are installed. It checks everything before it writes anything: the
 * name (by the manifest's own rule), the contract, and that the target folder is absent
 * or empty, so a refusal never leaves half a plugin behind.
 */
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { BerthError, codes, isBerthError, parseManifest } from '../../index.js';
import { readBerthPackage, type BerthPackage } from './berth-package.js';
import { pluginFiles, pluginManifest } from './plugin-files.js';
import { pluginTemplate } from './plugin-template.js';

/** What to scaffold, and where. */
export interface ScaffoldOptions {
  /** The plugin's name: lower-case kebab-case, as in a manifest. Also the folder's name. */
  name: string;
  /** The folder to create the plugin folder in. Default: the current directory. */
  parent?: string;
  /** `storage` (a storage@1 implementation) or `none` (a greeter). Default `none`. */
  contract?: string;
  /** The `berth` dependency in package.json. Default: `file:` the running Berth's folder. */
  berthSpec?: string;
  /** The Berth to link to and take tool versions from. Default: the running one. */
  berth?: BerthPackage;
}

/** A plugin folder just written. */
export interface Scaffold {
  /** The absolute path of the new folder. */
  dir: string;
  name: string;
  /** The service it provides and that service's contract. */
  service: { name: string; contract: string };
  /** The files written, relative to `dir`, in the order written. */
  files: string[];
  berthSpec: string;
}

/**
 * Writes the plugin folder `<parent>/<name>`. Throws, having written nothing:
 * `BERTH_ERR_MANIFEST_INVALID` (`data.field: 'name'`) for a name a manifest would refuse,
 * `BERTH_ERR_CONFIG_INVALID` for an unknown contract or an empty berthSpec, and
 * `BERTH_ERR_TARGET_NOT_EMPTY` when the folder exists and holds anything (or is a file).
 */
export async function scaffoldPlugin(options: ScaffoldOptions): Promise<Scaffold> {
  const { name } = options;
  const dir = resolve(options.parent ?? process.cwd(), name);
  const berth = options.berth ?? readBerthPackage();
  const template = pluginTemplate(options.contract ?? 'none', name);
  checkName(name, dir, pluginManifest({ name, template, berth }));
  const berthSpec = options.berthSpec ?? `file:${berth.root}`;
  if (berthSpec.trim() === '') {
    throw new BerthError(
      codes.CONFIG_INVALID,
      '--berth-spec must be an npm dependency spec such as "file:../berth" or "^0.1.0" (got "")',
      { data: { option: 'berthSpec' } },
    );
  }
  await checkTarget(dir);
  const files = pluginFiles({ name, template, berth, berthSpec });
  for (const [path, content] of Object.entries(files)) {
    const file = join(dir, path);
    await mkdir(dirname(file), { recursive: true });
    // `wx`: never overwrite, even if something appeared since the target was checked.
    await writeFile(file, content, { flag: 'wx' });
  }
  return {
    dir,
    name,
    service: { name: template.service.name, contract: template.service.contract },
    files: Object.keys(files),
    berthSpec,
  };
}

/**
 * Runs the manifest's own validation on the manifest about to be written, so a name is
 * accepted exactly when a plugin.json would accept it.
 */
function checkName(name: string, dir: string, manifest: Record<string, unknown>): void {
  try {
    parseManifest(manifest, join(dir, 'plugin.json'));
  } catch (error) {
    if (isBerthError(error, codes.MANIFEST_INVALID) && error.data?.['field'] === 'name') {
      throw new BerthError(
        codes.MANIFEST_INVALID,
        `"${name}" cannot name a plugin: use lower-case letters and digits in words joined ` +
          `by single hyphens, at most 214 characters, such as "my-storage"`,
        { data: { field: 'name', name } },
      );
    }
    throw error;
  }
}

async function checkTarget(dir: string): Promise<void> {
  const found = await stat(dir).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  });
  if (found === undefined) return;
  const entries = found.isDirectory() ? await readdir(dir) : undefined;
  if (entries?.length === 0) return;
  throw new BerthError(
    codes.TARGET_NOT_EMPTY,
    `${dir} already exists${entries === undefined ? ' and is not a folder' : ' and is not empty'}; ` +
      `berth init writes a new plugin only into a new or empty folder: pick another name, ` +
      `or --dir to create it elsewhere`,
    { data: { dir } },
  );
}
