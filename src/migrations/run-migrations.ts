/**
 * The migration runner: brings a store up to a plugin's migrations, or takes them back
 * down, through a {@link MigrationDriver}.
 *
 * Up: one transaction per migration, in manifest order; each re-reads the bookkeeping
 * table first (under the driver's lock), so when several hosts start at once the first
 * applies a migration and the others find it recorded and move on. Down: the applied
 * ones in reverse order, one transaction each, deleting the record with the migration.
 *
 * Before either runs anything, the store's record must agree with the files, or the
 * runner refuses (BERTH_ERR_MIGRATION_MISMATCH, `data.reason`):
 * - `changed`: an applied migration's up section no longer has the checksum it was
 *   applied with (edit a released migration and the store would never see the edit);
 * - `unknown`: the store records a migration this plugin does not ship: a newer version
 *   of the plugin (or another plugin) migrated it;
 * - `order`: a migration is pending while one listed after it is applied; new
 *   migrations go at the end of the list.
 * Down also refuses (BERTH_ERR_MIGRATION_IRREVERSIBLE) before reverting anything when an
 * applied migration has no `-- berth:down` section; an empty down section is a no-op.
 */
import { BerthError, codes } from '../errors.js';
import { describeThrown } from '../wire-error.js';
import type { Migration, MigrationSite } from './load-migrations.js';
import type { AppliedMigration, MigrationDriver } from './migration-driver.js';
import { hasSql } from './parse-migration-file.js';

/** Which way to migrate. */
export type MigrationDirection = 'up' | 'down';

/**
 * Applies the pending `migrations` (`up`) or reverts the applied ones (`down`) and
 * returns the names of those this call applied or reverted, in the order it did so
 * (empty when there was nothing to do). SQL errors come back as
 * BERTH_ERR_MIGRATION_FAILED with the database's error as `cause`, after that
 * migration's transaction was rolled back (the ones before it stay applied); errors of
 * the driver itself (a refused connection) come back unchanged.
 */
export async function runMigrations(
  driver: MigrationDriver,
  migrations: readonly Migration[],
  direction: MigrationDirection,
  site: MigrationSite = {},
): Promise<string[]> {
  const done: string[] = [];
  for (;;) {
    const step = await driver.transaction(async (tx) => {
      const applied = checkApplied(await tx.applied(), migrations, direction, site);
      const next =
        direction === 'up'
          ? migrations.find((m) => !applied.has(m.name))
          : migrations.findLast((m) => applied.has(m.name));
      if (next === undefined) return undefined;
      if (direction === 'up') {
        await run(() => tx.exec(next.up), next, direction, site);
        await tx.record(next.name, next.checksum);
      } else {
        // The record goes first: a down section may drop what holds the table.
        await tx.forget(next.name);
        const down = next.down ?? '';
        if (hasSql(down)) await run(() => tx.exec(down), next, direction, site);
      }
      return next.name;
    });
    if (step === undefined) return done;
    done.push(step);
  }
}

/** Checks the store's records against `migrations`; returns the applied names. */
function checkApplied(
  records: readonly AppliedMigration[],
  migrations: readonly Migration[],
  direction: MigrationDirection,
  site: MigrationSite,
): Set<string> {
  const byName = new Map(migrations.map((m) => [m.name, m]));
  const mismatch = (reason: string, migration: string, message: string): BerthError =>
    new BerthError(codes.MIGRATION_MISMATCH, `${owner(site)}${message}`, {
      plugin: site.plugin,
      service: site.service,
      data: { reason, migration },
    });
  for (const record of records) {
    const migration = byName.get(record.name);
    if (migration === undefined) {
      throw mismatch(
        'unknown',
        record.name,
        `the store records migration "${record.name}", which this plugin does not ship: ` +
          'a newer version of the plugin (or another plugin) migrated it; run that version, ' +
          'or point this one at a store of its own',
      );
    }
    if (migration.checksum !== record.checksum) {
      throw mismatch(
        'changed',
        record.name,
        `migration ${migration.file} changed after it was applied (its up section no ` +
          'longer matches the checksum recorded in berth_migrations); restore the file ' +
          'and put the change in a new migration at the end of the list',
      );
    }
  }
  const applied = new Set(records.map((r) => r.name));
  const firstPending = migrations.findIndex((m) => !applied.has(m.name));
  const lateApplied = migrations.slice(firstPending).find((m) => applied.has(m.name));
  if (firstPending !== -1 && lateApplied !== undefined) {
    const pending = migrations[firstPending]?.name ?? '';
    throw mismatch(
      'order',
      pending,
      `migration "${pending}" is pending but "${lateApplied.name}", listed after it, is ` +
        'already applied; add new migrations at the end of "migrations" in plugin.json',
    );
  }
  if (direction === 'down') {
    const irreversible = migrations.filter((m) => applied.has(m.name) && m.down === undefined);
    if (irreversible.length > 0) {
      const files = irreversible.map((m) => m.file);
      throw new BerthError(
        codes.MIGRATION_IRREVERSIBLE,
        `${owner(site)}cannot migrate down: ${files.join(', ')} ha${files.length === 1 ? 's' : 've'} ` +
          'no `-- berth:down` section; add one (an empty one if there is nothing to undo). ' +
          'Nothing was reverted',
        {
          plugin: site.plugin,
          service: site.service,
          data: { migrations: irreversible.map((m) => m.name) },
        },
      );
    }
  }
  return applied;
}

async function run(
  exec: () => Promise<void>,
  migration: Migration,
  direction: MigrationDirection,
  site: MigrationSite,
): Promise<void> {
  try {
    await exec();
  } catch (error) {
    throw new BerthError(
      codes.MIGRATION_FAILED,
      `${owner(site)}migration ${migration.file} (${direction}) failed: ${describeThrown(error)}; ` +
        'it was rolled back, so fix the SQL and start again',
      {
        plugin: site.plugin,
        service: site.service,
        cause: error,
        data: { migration: migration.name, file: migration.file, direction },
      },
    );
  }
}

function owner(site: MigrationSite): string {
  if (site.plugin === undefined) return '';
  return `plugin "${site.plugin}"${site.service === undefined ? '' : ` service "${site.service}"`}: `;
}
