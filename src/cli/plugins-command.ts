/**
 * `berth plugins …`: inspect plugins (list, validate without a service; status through a
 * running one), and manage those of a running `berth serve` (restart here; install,
 * enable, disable, remove and config in plugins-lifecycle-commands.ts).
 */
import { Command } from 'commander';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import semver from 'semver';
import {
  createHost,
  discoverPlugins,
  readManifest,
  isBerthError,
  loadServiceConfig,
  type LoadedManifest,
  type ServiceFlags,
} from '../index.js';
import { pluginFolders } from '../service/index.js';
import {
  adminTarget,
  callAdmin,
  DEFAULT_ADMIN_URL,
  withAdminOptions,
  type AdminFlags,
} from './admin-client.js';
import { withConfigOptions } from './config-options.js';
import { addLifecycleCommands } from './plugins-lifecycle-commands.js';

/** Builds the `plugins` command and its subcommands. */
export function pluginsCommand(): Command {
  const plugins = new Command('plugins').description(
    'inspect plugins, and manage those of a running berth serve',
  );

  withConfigOptions(plugins.command('list'))
    .description('list the plugins found in the plugin directories, and the folders that failed')
    .option('--json', 'print JSON instead of a table')
    .action(listPlugins);

  plugins
    .command('validate')
    .description('check a plugin folder: its plugin.json, then a trial start in a worker thread')
    .argument('<dir>', 'the plugin folder')
    .option('--no-load', 'check the manifest only; do not start the plugin')
    .action(validatePlugin);
  plugins
    .command('status')
    .description('ask a running berth serve for its plugins: state, restarts, uptime, last error')
    .argument('[name]', 'one plugin')
    .option('--url <url>', 'the running berth serve', DEFAULT_ADMIN_URL)
    .action(printStatus);

  withAdminOptions(plugins.command('restart'))
    .description('restart a plugin of a running berth serve (closes an open breaker)')
    .argument('<name>', 'the plugin')
    .action(async (name: string, flags: AdminFlags) => {
      const answer = (await callAdmin(
        await adminTarget(flags),
        'POST',
        `/v1/plugins/${encodeURIComponent(name)}/restart`,
      )) as { state: string; restarts: number };
      process.stdout.write(`${name}: ${answer.state}, restarts ${answer.restarts}\n`);
    });

  addLifecycleCommands(plugins);
  return plugins;
}

/**
 * `plugins list`: the plugins in the plugin directories (the bundled ones and the user's,
 * as `berth serve` finds them), and the folders that failed. Folders of one plugin in
 * distinct versions are versions of it, as the host takes them.
 */
async function listPlugins({ json, ...flags }: ServiceFlags & { json?: true }): Promise<void> {
  const settings = await loadServiceConfig(flags);
  const pluginDirs = pluginFolders(settings).dirs;
  const found = await discoverPlugins(pluginDirs, { versions: true });
  if (json === true) {
    const problems = found.problems.map(({ dir, error }) => ({
      dir,
      code: error.code,
      message: error.message,
    }));
    const list = found.plugins.map(({ manifest, dir }) => ({ ...manifest, dir }));
    process.stdout.write(`${JSON.stringify({ plugins: list, problems }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`plugin directories: ${pluginDirs.join(', ')}\n`);
  for (const [name, versions] of byName(found.plugins)) {
    const newest = versions[versions.length - 1];
    if (newest === undefined) continue;
    const services = newest.manifest.services
      .map((s) => `${s.name} (${s.contract}, ${s.isolation})`)
      .join(', ');
    const others = versions.slice(0, -1).map((v) => v.manifest.version);
    const also = others.length === 0 ? '' : `  (also ${others.join(', ')}; the newest runs)`;
    process.stdout.write(`  ${name}@${newest.manifest.version}  ${services}${also}\n`);
    for (const { manifest, dir } of [...versions].reverse()) {
      process.stdout.write(`    ${versions.length > 1 ? `${manifest.version}: ` : ''}${dir}\n`);
    }
  }
  if (found.plugins.length === 0) process.stdout.write('  no plugins found\n');
  for (const { dir, error } of found.problems) {
    process.stdout.write(`  ✗ ${dir}\n    ${error.code}: ${error.message}\n`);
  }
  if (found.problems.length > 0) process.exitCode = 1;
}

/** The found plugins by name, each name's versions oldest first. */
function byName(plugins: readonly LoadedManifest[]): Map<string, LoadedManifest[]> {
  const names = new Map<string, LoadedManifest[]>();
  for (const plugin of plugins) {
    names.set(plugin.manifest.name, [...(names.get(plugin.manifest.name) ?? []), plugin]);
  }
  for (const versions of names.values()) {
    versions.sort((a, b) => semver.compare(a.manifest.version, b.manifest.version));
  }
  return names;
}

/** `plugins validate`: the manifest, then (unless --no-load) a trial start. */
async function validatePlugin(dir: string, flags: { load: boolean }): Promise<void> {
  try {
    const { manifest, mainPath } = await readManifest(dir);
    process.stdout.write(
      `✓ ${manifest.name}@${manifest.version}: plugin.json is valid (main: ${mainPath})\n`,
    );
    if (flags.load) {
      await trialStart(dir, manifest.name);
      process.stdout.write(
        `✓ ${manifest.name}: loads and starts in a worker thread, and stops cleanly\n`,
      );
    }
  } catch (error) {
    if (!isBerthError(error)) throw error;
    process.stderr.write(`✗ ${error.code}: ${error.message}\n`);
    process.exitCode = 1;
  }
}

/** `plugins status`: what a running berth serve says of its plugins, one line each. */
async function printStatus(name: string | undefined, flags: { url: string }): Promise<void> {
  const answer = await callAdmin(
    { url: flags.url },
    'GET',
    name === undefined ? '/v1/plugins' : `/v1/plugins/${encodeURIComponent(name)}`,
  );
  const list = (name === undefined ? (answer as { plugins: unknown[] }).plugins : [answer]) as {
    name: string;
    version: string;
    state: string;
    enabled: boolean;
    restarts: number;
    uptimeMs: number;
    process?: { pid: number; residentBytes: number };
    lastError?: { code: string; message: string };
  }[];
  for (const p of list) {
    const error =
      p.lastError === undefined ? '' : `  last error ${p.lastError.code}: ${p.lastError.message}`;
    const disabled = p.enabled ? '' : ' (disabled)';
    const ownProcess =
      p.process === undefined
        ? ''
        : `  pid ${p.process.pid} ${(p.process.residentBytes / 2 ** 20).toFixed(0)} MB`;
    process.stdout.write(
      `${p.name}@${p.version}  ${p.state}${disabled}  restarts ${p.restarts}  up ${(p.uptimeMs / 1000).toFixed(0)} s${ownProcess}${error}\n`,
    );
  }
}

/**
 * Starts the plugin in `dir` as its manifest asks (a worker thread, a pool, a process)
 * with a throwaway data dir; throws its start error.
 */
async function trialStart(dir: string, name: string): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-validate-'));
  const host = createHost({
    plugins: [dir],
    dataDir,
    enable: [name],
    logger: pino({ level: 'silent' }),
  });
  let failure: unknown;
  host.once('plugin:failed', (event: { error: unknown }) => (failure = event.error));
  try {
    await host.start();
    if (failure !== undefined) throw failure;
  } finally {
    await host.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
