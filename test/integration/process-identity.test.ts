/**
 * What a plugin process is given besides its isolation: only the environment the host
 * chose, its data folder as its working directory, and, when the host runs as root, the
 * user and group `processLimits` names (refused, with why, when it does not: a unit
 * test, test/unit/isolation/process-identity.test.ts, since this suite runs as root). The
 * uid test is skipped only where it cannot run: a host that is not root, or a checkout
 * another user cannot reach.
 */
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createHost, type HostOptions, type PluginHost } from '../../src/index.js';
import type { EnvReader } from '../fixtures/plugins/env-reader/index.js';
import type { Echo } from '../fixtures/plugins/echo/index.js';

const fixtures = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));
const NOBODY = 65_534;
const isRoot = process.getuid?.() === 0;

/**
 * Whether another user can reach this checkout (every folder from / down to it searchable
 * by others): a plugin run as nobody must read Berth's worker and its node_modules. A
 * checkout in a private home folder cannot be, and the uid test says so by skipping.
 */
function reachableByOthers(): boolean {
  let dir = fileURLToPath(new URL('../../', import.meta.url));
  for (;;) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    const parent = dirname(dir);
    if (parent === dir) return true;
    dir = parent;
  }
}

describe('a plugin process', () => {
  let host: PluginHost | undefined;
  let dataDir: string | undefined;
  afterEach(async () => {
    await host?.close();
    host = undefined;
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
    delete process.env['PROCESS_SECRET'];
  });

  async function start(enable: string[], options: HostOptions = {}): Promise<PluginHost> {
    dataDir = await mkdtemp(join(tmpdir(), 'berth-process-identity-'));
    // A plugin run as another user must reach its folder: mkdtemp makes this one private.
    await chmod(dataDir, 0o755);
    host = createHost({
      plugins: [fixtures],
      enable,
      isolation: 'process',
      dataDir,
      logger: pino({ level: 'silent' }),
      ...options,
    });
    await host.start();
    return host;
  }

  it('sees only the allowlisted environment and what its manifest declares', async () => {
    process.env['PROCESS_SECRET'] = 'the-hosts-own';
    process.env['ENV_READER_DECLARED'] = 'declared';
    try {
      const env = (await start(['env-reader'])).service<EnvReader>('env');
      const seen = await env.read(['PROCESS_SECRET', 'ENV_READER_DECLARED', 'BERTH_WORKERS']);
      expect(seen).toEqual({
        PROCESS_SECRET: null,
        ENV_READER_DECLARED: 'declared',
        BERTH_WORKERS: null,
      });
      // Unlike a thread, the process was launched with that environment alone: what it
      // reads of /proc/self/environ holds no secret of the host's either.
      const launched = await env.launchNames();
      expect(launched).toContain('ENV_READER_DECLARED');
      expect(launched).not.toContain('PROCESS_SECRET');
      expect(launched.every((name) => !name.startsWith('BERTH_'))).toBe(true);
    } finally {
      delete process.env['ENV_READER_DECLARED'];
    }
  });

  it.runIf(isRoot && reachableByOthers())(
    'runs as the uid and gid processLimits names, in a data folder it owns',
    async () => {
      const started = await start(['echo'], { processLimits: { uid: NOBODY, gid: NOBODY } });
      const context = await started.service<Echo>('echo').context();
      expect(context.uid).toBe(NOBODY);
      expect(context.cwd).toBe(context.dataDir);
      expect((await stat(context.dataDir)).uid).toBe(NOBODY);
    },
  );
});
