// @ts-check
/**
 * The import rules of docs/architecture.md, as data: eslint.config.js turns them into
 * `no-restricted-imports` patterns (an editor says so as you type) and
 * test/unit/architecture.test.ts checks every file against them. One table, so the two
 * cannot drift apart.
 *
 * Each rule names a room (a folder, repository-relative) and either what its files may
 * import (`may`, plus `types`: rooms it may import types from only) or what they must not
 * (`mayNot`). Imports within the room itself and of packages are always allowed.
 */

/** The modules both sides of the wire share: they import nothing but each other. */
export const SHARED = [
  'src/errors.ts',
  'src/wire-error.ts',
  'src/error-bounds.ts',
  'src/plain-object.ts',
];

/**
 * @typedef {{ room: string, may?: string[], types?: string[], mayNot?: string[], why: string }} ImportRule
 * @type {ImportRule[]}
 */
export const IMPORT_RULES = [
  {
    room: 'workers',
    may: ['src/plugin-side/', 'src/transport/', 'src/sdk/', 'src/contracts/', ...SHARED],
    why: 'workers/ holds thin entries into src/plugin-side',
  },
  {
    room: 'src/plugin-side',
    may: ['src/transport/', 'src/sdk/', 'src/migrations/', 'src/contracts/', ...SHARED],
    why: 'it runs inside plugin threads, so it imports nothing host-side',
  },
  {
    room: 'src/transport',
    may: [...SHARED],
    why: 'the wire is shared by both sides, so it imports nothing of either',
  },
  {
    room: 'src/contracts',
    may: [...SHARED],
    why: 'contracts are shared by the host and plugins',
  },
  {
    room: 'src/sdk',
    may: ['src/contracts/', 'src/migrations/', ...SHARED],
    why: "the author's API runs inside plugin threads",
  },
  {
    room: 'src/migrations',
    may: [...SHARED],
    types: ['src/sdk/'],
    why: "migrations run inside plugin threads; the SDK's types only, as the SDK imports them",
  },
  {
    room: 'src/config',
    may: ['docs/', ...SHARED],
    types: ['src/manifest/'],
    why: 'config is logic only: no host, service or CLI; a manifest is read elsewhere',
  },
  {
    room: 'src/isolation',
    mayNot: ['src/supervisor/', 'src/host/', 'src/upgrade/', 'src/service/', 'src/cli/'],
    why: 'the supervisor drives runtimes, never the other way round',
  },
  {
    room: 'src/supervisor',
    mayNot: ['src/host/', 'src/upgrade/', 'src/service/', 'src/cli/'],
    why: 'the host makes supervisors; a supervisor knows only its runtimes',
  },
  {
    room: 'src/service',
    may: ['src/index.ts'],
    why: 'berth serve uses the host through src/index.ts, as any user would',
  },
  {
    room: 'src/cli',
    may: ['src/index.ts', 'src/service/index.ts'],
    why: 'the CLI uses the host and the service through their indexes, as any user would',
  },
];
