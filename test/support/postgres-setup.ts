/**
 * Vitest global setup: a PostgreSQL server for the tests that need one.
 *
 * - `DATABASE_URL` set: the tests use that database and this setup starts nothing.
 * - Otherwise it starts a throwaway server from the PostgreSQL binaries on this machine
 *   (initdb into a fresh temporary folder, a free port on 127.0.0.1, its socket in that
 *   folder, fsync off), and stops it and removes the folder in the teardown.
 * - No binaries and no `DATABASE_URL`: the run fails, saying how to fix it. The
 *   PostgreSQL tests are never skipped, on CI or anywhere else.
 *
 * Tests read the URL with `inject('postgresUrl')` ; it is
 * also put in `process.env.DATABASE_URL` for anything spawned after this setup.
 * As root, initdb refuses to run, so every server command runs through
 * `runuser -u postgres` and the folder is handed to that user.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The PostgreSQL URL the tests use. */
    postgresUrl: string;
  }
}

const PG_ROOT = '/usr/lib/postgresql';
const DATABASE = 'berth_test';

/** Starts (or finds) the server, provides its URL and returns the teardown. */
export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  const given = process.env['DATABASE_URL'];
  if (given !== undefined && given !== '') {
    project.provide('postgresUrl', given);
    return undefined;
  }
  const bin = findBinaries();
  if (bin === undefined) {
    const problem = `PostgreSQL binaries not found (${PG_ROOT}/*/bin/initdb) and DATABASE_URL is not set`;
    throw new Error(
      `${problem}: install the postgresql package, or set DATABASE_URL to a database the tests may use`,
    );
  }
  const server = await startServer(bin);
  project.provide('postgresUrl', server.url);
  process.env['DATABASE_URL'] = server.url;
  return () => {
    server.stop();
    delete process.env['DATABASE_URL'];
  };
}

/** The bin folder of the newest PostgreSQL installed under /usr/lib/postgresql. */
function findBinaries(): string | undefined {
  if (!existsSync(PG_ROOT)) return undefined;
  const versions = readdirSync(PG_ROOT)
    .filter((version) => existsSync(join(PG_ROOT, version, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(PG_ROOT, versions[0], 'bin');
}

interface Server {
  readonly url: string;
  /** Stops the server and removes its folder; synchronous, so it also runs on 'exit'. */
  stop(): void;
}

async function startServer(bin: string): Promise<Server> {
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'berth-pg-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const run = (tool: string, args: string[]): void => {
    const [file, argv] = asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]]
      : [join(bin, tool), args];
    execFileSync(file, argv, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
  };
  const data = join(dir, 'data');
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', stop);
    try {
      if (existsSync(join(data, 'postmaster.pid'))) {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  // If the run dies before the teardown (an exception in vitest itself), still stop it.
  process.on('exit', stop);
  try {
    run('initdb', [
      ...['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8'],
      ...['--no-locale', '--no-sync', '--no-instructions'],
    ]);
    const port = await freePort();
    const options = [
      `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1`,
      // Durability is pointless for a throwaway server; these make writes much cheaper.
      '-c fsync=off -c synchronous_commit=off -c full_page_writes=off',
      // Test files run in parallel, each with pools of up to 10 connections per store.
      '-c max_connections=300',
    ].join(' ');
    // -w: pg_ctl returns once the server accepts connections (or fails after -t seconds).
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-t',
      '30',
      '-o',
      options,
      'start',
    ]);
    run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', DATABASE]);
    return { url: `postgres://postgres@127.0.0.1:${port}/${DATABASE}`, stop };
  } catch (error) {
    const log = join(dir, 'server.log');
    const detail = existsSync(log) ? `\nserver log:\n${readFileSync(log, 'utf8')}` : '';
    stop();
    throw new Error(`could not start a throwaway PostgreSQL in ${dir}${detail}`, { cause: error });
  }
}

/** A TCP port that was free a moment ago; the server binds it right after. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}
