/**
 * `berth init NAME`: scaffolds a plugin folder (manifest, source, tests, build, README)
 * that builds and passes its own tests at once, installs its dependencies, and prints
 * what to do next.
 */
import { Command } from 'commander';
import { relative } from 'node:path';
import { installDependencies } from './init/install-dependencies.js';
import { INIT_CONTRACTS } from './init/plugin-template.js';
import { scaffoldPlugin, type Scaffold } from './init/scaffold-plugin.js';

interface InitFlags {
  dir?: string;
  contract: string;
  berthSpec?: string;
  install: boolean;
}

/** Builds the `init` command. */
export function initCommand(): Command {
  return new Command('init')
    .description('create a new plugin folder that builds and passes its own tests')
    .argument('<name>', 'the plugin name (lower-case kebab-case); also the folder created')
    .option('--dir <parent>', 'create the plugin folder in this folder (default: here)')
    .option(
      '--contract <contract>',
      `what the plugin implements: ${INIT_CONTRACTS.join(' or ')} ` +
        '(storage: storage@1 for berth serve; none: a plain greeter service)',
      'none',
    )
    .option(
      '--berth-spec <spec>',
      'the "berth" dependency in package.json (default: file: this Berth\'s folder)',
    )
    .option('--no-install', 'write the files only; do not run npm install')
    .action(async (name: string, flags: InitFlags) => {
      const scaffold = await scaffoldPlugin({
        name,
        contract: flags.contract,
        ...(flags.dir === undefined ? {} : { parent: flags.dir }),
        ...(flags.berthSpec === undefined ? {} : { berthSpec: flags.berthSpec }),
      });
      const say = (line = ''): boolean => process.stdout.write(`${line}\n`);
      say(`Created ${scaffold.dir}`);
      for (const file of scaffold.files) say(`  ${file}`);
      say(`berth: ${scaffold.berthSpec}`);
      if (flags.install) {
        say('\nInstalling dependencies (npm install)…');
        await installDependencies(scaffold.dir);
      }
      say();
      for (const line of nextSteps(scaffold, flags.install)) say(line);
    });
}

/** The lines that tell the author what to run next, in order. */
function nextSteps(scaffold: Scaffold, installed: boolean): string[] {
  const where = relative(process.cwd(), scaffold.dir) || '.';
  const steps = [
    `cd ${where.includes(' ') ? JSON.stringify(where) : where}`,
    ...(installed ? [] : ['npm install']),
    'npm run build         # src/ to dist/',
    'npm test              # each test inline and in a worker thread',
  ];
  if (scaffold.service.contract === 'storage@1') {
    steps.push(
      `npx berth serve --dev --plugins . --storage-name ${scaffold.name}   # serve it over HTTP`,
    );
  } else {
    steps.push('npx berth plugins validate .   # load and start it once in a worker thread');
  }
  return [
    `Next, in ${scaffold.name}/:`,
    ...steps.map((step) => `  ${step}`),
    '',
    "README.md says how to call and debug it; Berth's guide is docs/writing-a-plugin.md.",
  ];
}
