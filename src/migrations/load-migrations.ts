/**
 * Reads a plugin's migration files, in manifest order, into what the runner applies:
 * each file parsed into its sections, `@config` references replaced, and its up section
 * checksummed. Everything is read and checked before any SQL runs, so a bad file or a
 * missing config key fails the start with nothing half applied.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { BerthError, codes } from '../errors.js';
import { describeThrown } from '../wire-error.js';
import type { ServiceConfig } from '../sdk/context.js';
import { parseMigrationFile } from './parse-migration-file.js';
import { substituteConfig } from './substitute-config.js';

/** One migration, ready to run. */
export interface Migration {
  /** The file's base name (`001_init.sql`): what `berth_migrations` records. */
  readonly name: string;
  /** The file it was read from. */
  readonly file: string;
  /**
   * SHA-256 (hex) of the up section as written, before substitution, without the blank
   * lines around it: changes when the SQL changes, not when the config does.
   */
  readonly checksum: string;
  /** The up section, config substituted. */
  readonly up: string;
  /** The down section, config substituted; undefined when the file has none. */
  readonly down: string | undefined;
}

/** Whose migrations these are, for messages. */
export interface MigrationSite {
  plugin?: string | undefined;
  service?: string | undefined;
}

/**
 * Reads `files` (absolute paths, in apply order) with `config` for `@config`. Throws
 * BERTH_ERR_MIGRATION_INVALID for a file that cannot be read, parsed or substituted, and
 * for two files with one base name (the name is what the store records).
 */
export async function loadMigrations(
  files: readonly string[],
  config: ServiceConfig,
  site: MigrationSite = {},
): Promise<Migration[]> {
  const texts = await Promise.all(files.map((file) => readMigration(file, site)));
  const seen = new Map<string, string>();
  return files.map((file, index) => {
    const name = basename(file);
    const other = seen.get(name);
    if (other !== undefined) {
      throw new BerthError(
        codes.MIGRATION_INVALID,
        `migrations ${other} and ${file} share the name "${name}", which is what the store ` +
          'records: give every migration file its own name',
        { plugin: site.plugin, service: site.service, data: { file, name } },
      );
    }
    seen.set(name, file);
    const sections = parseMigrationFile(file, texts[index] ?? '', site);
    const substitute = (sql: string, firstLine: number): string =>
      substituteConfig(sql, config, { file, firstLine, ...site });
    return {
      name,
      file,
      checksum: checksumOf(sections.up),
      up: substitute(sections.up, sections.upLine),
      down: sections.down === undefined ? undefined : substitute(sections.down, sections.downLine),
    };
  });
}

/** The checksum {@link Migration.checksum} describes, of an up section as written. */
export function checksumOf(up: string): string {
  return createHash('sha256').update(up.trim()).digest('hex');
}

async function readMigration(file: string, site: MigrationSite): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new BerthError(
      codes.MIGRATION_INVALID,
      `migration ${file} cannot be read: ${describeThrown(error)}; check the plugin's ` +
        '"migrations" in plugin.json and that the file ships with the plugin',
      { plugin: site.plugin, service: site.service, cause: error, data: { file } },
    );
  }
}
