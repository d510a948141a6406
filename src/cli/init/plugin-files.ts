/**
 * Every file of a new plugin folder, as text: the contract's template plus what all
 * plugins share (manifest, package.json, tsconfig, README, ignore files). Pure: nothing
 * here touches the filesystem, so what `berth init` writes can be checked in a unit test.
 */
import type { BerthPackage } from './berth-package.js';
import type { PluginTemplate } from './plugin-template.js';

/** What the files depend on. */
export interface PluginFilesSpec {
  name: string;
  template: PluginTemplate;
  berth: BerthPackage;
  /** The `berth` dependency as package.json states it, e.g. `file:/home/me/berth`. */
  berthSpec: string;
}

/** The manifest object of the new plugin, as written to plugin.json. */
export function pluginManifest(spec: Omit<PluginFilesSpec, 'berthSpec'>): Record<string, unknown> {
  return {
    name: spec.name,
    version: '0.1.0',
    description: spec.template.description,
    engines: { berth: `^${spec.berth.version}` },
    main: 'dist/index.js',
    services: [spec.template.service],
  };
}

/**
 * Path (relative to the plugin folder, `/`-separated) to content, for every file of the
 * scaffold. A `file:` berthSpec also gets an .npmrc that keeps npm from running Berth's
 * own build scripts in the linked folder (see {@link npmrc}).
 */
export function pluginFiles(spec: PluginFilesSpec): Record<string, string> {
  const files: Record<string, string> = {
    'plugin.json': json(pluginManifest(spec)),
    'package.json': json(packageJson(spec)),
    'tsconfig.json': json(TSCONFIG),
    '.gitignore': 'node_modules/\ndist/\ndata/\n*.tsbuildinfo\n',
    'README.md': readme(spec),
    ...spec.template.files,
  };
  if (spec.berthSpec.startsWith('file:')) files['.npmrc'] = npmrc();
  return files;
}

/** JSON as prettier writes it: two-space indents, a short array of scalars on one line. */
function json(value: unknown): string {
  const text = JSON.stringify(value, null, 2).replace(
    /\[\n\s+([^[\]{}]*?)\n\s*\]/g,
    (_, items: string) => `[${items.split(/,\n\s*/).join(', ')}]`,
  );
  return `${text}\n`;
}

function packageJson({ name, template, berth, berthSpec }: PluginFilesSpec): object {
  return {
    name,
    version: '0.1.0',
    private: true,
    description: template.description,
    type: 'module',
    main: 'dist/index.js',
    engines: { node: '>=20.19' },
    scripts: {
      build: 'tsc',
      // The tests load the built plugin, as a host does; `npm run build` alone would not
      // run before them here, since the .npmrc may turn pre-scripts off.
      test: 'tsc && vitest run',
    },
    dependencies: { berth: berthSpec },
    devDependencies: berth.devTools,
  };
}

/** Strict settings, like Berth's own; source maps so breakpoints bind in src/*.ts. */
const TSCONFIG = {
  compilerOptions: {
    target: 'ES2023',
    lib: ['ES2023', 'ESNext.Disposable'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    types: ['node'],
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    verbatimModuleSyntax: true,
    skipLibCheck: true,
    sourceMap: true,
    declaration: true,
    rootDir: 'src',
    outDir: 'dist',
  },
  include: ['src'],
};

/**
 * npm runs a linked folder's `prepare` script on every install, whatever `allowScripts`
 * says: here that would rebuild Berth inside its checkout (or fail in an installed copy,
 * which ships no sources). Turning scripts off for this folder prevents it; `npm run` and
 * `npm test` still run their own script.
 */
function npmrc(): string {
  return [
    '# berth is linked from a local folder (see package.json); without this, npm would run',
    "# Berth's own build scripts there on every install. Remove it once berth comes from",
    '# a registry, or if a dependency of yours needs its install script.',
    'ignore-scripts=true',
    '',
  ].join('\n');
}

function debugInHost(name: string, contract: string): string {
  if (contract === 'storage@1') {
    return `In a running service, \`berth serve --dev\` is development mode: plugins run inline
and logs are pretty-printed.

\`\`\`sh
node --inspect ./node_modules/berth/dist/src/cli/main.js serve --dev --plugins . --storage-name ${name}
\`\`\``;
  }
  return `In your own host, \`createHost({ plugins: ['.'], isolation: 'inline' })\` does the same;
start that program with \`node --inspect\`.`;
}

function readme({ name, template, berthSpec }: PluginFilesSpec): string {
  const { service } = template;
  return `# ${name}

${template.description}

It provides one service, \`${service.name}\` (contract \`${service.contract}\`), and runs
crash-isolated in its own worker thread in a Berth host.

## Build and test

\`\`\`sh
npm install     # berth comes from ${berthSpec}
npm run build   # tsc: src/ to dist/, which plugin.json names as "main"
npm test        # builds, then runs each test inline and in a real worker thread
\`\`\`

## Run it

${template.readmeUsage}

## Debug it

Inline isolation runs a plugin in the host's own thread, so a debugger's breakpoints in
\`src/*.ts\` bind (the build writes source maps). In the tests, step through the inline runs:

\`\`\`sh
npx vitest --inspect-brk --no-file-parallelism -t inline   # then attach: chrome://inspect
\`\`\`

${debugInHost(name, service.contract)}

## Layout

\`\`\`
plugin.json         the manifest: name, engines.berth, main, services (checked before any code loads)
src/index.ts        the plugin: definePlugin({ services }) as the default export
test/               tests through berth/testing
\`\`\`
`;
}
