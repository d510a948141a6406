/**
 * `berth plugins install|enable|disable|remove|config`: the plugin lifecycle of a
 * running `berth serve`, through its admin HTTP API (`--url`, and the admin token:
 * `--token`, BERTH_ADMIN_TOKEN or the one the service keeps in its data directory). The service owns the data directory and runs the plugins, so it
 * does the work (trial start, migrations, live config) and records it; these commands
 * only ask, and say what happened. There is no offline mode: a change written behind a
 * running service's back would be lost or fought over.
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { ConfigChange, PluginInfo } from '../index.js';
import {
  adminTarget,
  callAdmin,
  withAdminOptions,
  type AdminFlags,
  type AdminTarget,
} from './admin-client.js';
import { parseConfigPairs } from './config-pairs.js';

const say = (line: string): void => void process.stdout.write(`${line}\n`);

/** `name`, or `name@version` split for the HTTP API. */
function splitRef(ref: string): { name: string; version: string | undefined } {
  const at = ref.indexOf('@');
  return at === -1
    ? { name: ref, version: undefined }
    : { name: ref.slice(0, at), version: ref.slice(at + 1) };
}

const pluginPath = (name: string, suffix = ''): string =>
  `/v1/plugins/${encodeURIComponent(name)}${suffix}`;

/** One line about a plugin's state after a lifecycle step. */
function describe(info: PluginInfo): string {
  const others = info.versions.filter((v) => v !== info.version);
  const installed = others.length === 0 ? '' : `; also installed: ${others.join(', ')}`;
  const failure =
    info.lastError === undefined ? '' : ` (${info.lastError.code}: ${info.lastError.message})`;
  return `${info.name}@${info.version} ${info.enabled ? 'enabled' : 'disabled'}, ${info.state}${failure}${installed}`;
}

/** Adds the lifecycle subcommands to `plugins`. */
export function addLifecycleCommands(plugins: Command): void {
  withAdminOptions(plugins.command('install'))
    .description(
      'install a plugin folder into a running berth serve: check its manifest and config, ' +
        'start it once in a worker (its migrations run up), and record it (disabled when new)',
    )
    .argument('<dir>', 'the plugin folder, as this machine sees it (sent as an absolute path)')
    .action(async (dir: string, flags: AdminFlags) => {
      const info = (await callAdmin(await adminTarget(flags), 'POST', '/v1/plugins/install', {
        dir: resolve(dir),
      })) as PluginInfo;
      say(`✓ installed: ${describe(info)}`);
      if (!info.enabled) say(`  start it with: berth plugins enable ${info.name}`);
    });

  withAdminOptions(plugins.command('enable'))
    .description(
      'start a plugin of a running berth serve, its services in serviceOrder, all or nothing; ' +
        'NAME@VERSION makes that installed version the active one',
    )
    .argument('<plugin>', 'NAME or NAME@VERSION')
    .action(async (ref: string, flags: AdminFlags) => {
      const { name, version } = splitRef(ref);
      const body = version === undefined ? undefined : { version };
      const info = (await callAdmin(
        await adminTarget(flags),
        'POST',
        pluginPath(name, '/enable'),
        body,
      )) as PluginInfo;
      say(`✓ ${describe(info)}`);
    });

  withAdminOptions(plugins.command('disable'))
    .description(
      'stop a plugin of a running berth serve (services in reverse order); it stays installed',
    )
    .argument('<name>', 'the plugin')
    .action(async (name: string, flags: AdminFlags) => {
      const info = (await callAdmin(
        await adminTarget(flags),
        'POST',
        pluginPath(name, '/disable'),
      )) as PluginInfo;
      say(`✓ ${describe(info)}`);
    });

  withAdminOptions(plugins.command('remove'))
    .description(
      'remove a disabled plugin from a running berth serve (its migrations run down and its ' +
        'record is deleted), or NAME@VERSION: forget one installed version that is not active',
    )
    .argument('<plugin>', 'NAME or NAME@VERSION')
    .action(async (ref: string, flags: AdminFlags) => {
      const { name, version } = splitRef(ref);
      const query = version === undefined ? '' : `?version=${encodeURIComponent(version)}`;
      await callAdmin(await adminTarget(flags), 'DELETE', pluginPath(name, query));
      say(`✓ removed ${ref}`);
    });

  addConfigCommand(plugins);
}

/** `plugins config NAME SERVICE key=value...`: a live config change. */
function addConfigCommand(plugins: Command): void {
  withAdminOptions(plugins.command('config'))
    .description(
      "change a service's config live in a running berth serve: checked against its " +
        'configSchema, offered to the plugin (which may refuse), applied without a restart, ' +
        'and kept across restarts. key=value pairs: values are JSON when they parse as JSON ' +
        '(20, true, null, "text"), else strings; a.b=1 sets a nested key; key=null drops an ' +
        'earlier change so the default applies again',
    )
    .argument('<name>', 'the plugin')
    .argument('<service>', 'the service')
    .argument('<pairs...>', 'key=value, one or more')
    .option('--replace', 'drop earlier changes to this service first, instead of merging')
    .action(
      async (
        name: string,
        service: string,
        pairs: string[],
        flags: AdminFlags & { replace?: boolean },
      ) => {
        const target: AdminTarget = await adminTarget(flags);
        const change = (await callAdmin(target, 'PUT', pluginPath(name, '/config'), {
          service,
          config: parseConfigPairs(pairs),
          replace: flags.replace === true,
        })) as ConfigChange;
        say(
          `✓ ${name}/${service}: ${change.live ? 'applied live' : 'recorded; used when it next starts'}`,
        );
        say(JSON.stringify(change.config, null, 2));
      },
    );
}
