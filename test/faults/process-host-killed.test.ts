// A host killed without a word (SIGKILL: no exit hook runs) leaves no plugin process
// behind: the plugin process sees its pipe close and ends its process group, itself and
// what it started. The host is a real application in a child process, on the build.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCommand, type BerthProcess } from '../support/berth-process.js';
import { hasEnded, isRunning } from './process-probe.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = join(root, 'test/fixtures/plugins');
const berth = pathToFileURL(join(root, 'dist/src/index.js')).href;

/** Starts the process plugin, prints its pid and its child's, then serves until killed. */
const application = `
import { createHost } from ${JSON.stringify(berth)};
const host = createHost({
  plugins: [${JSON.stringify(fixtures)}],
  enable: ['fault-kills-process'],
  dataDir: 'data',
});
await host.start();
const kills = host.service('kills');
const pids = { plugin: await kills.pid(), grandchild: await kills.spawnGrandchild() };
console.log('pids ' + JSON.stringify(pids));
setInterval(() => {}, 60_000);
`;

interface Pids {
  plugin: number;
  grandchild: number;
}

/** The pids the application printed; undefined if it exits first. */
async function printedPids(app: BerthProcess): Promise<Pids | undefined> {
  let exited = false;
  void app.exited.then(() => (exited = true));
  for (;;) {
    const found = /^pids (.*)$/m.exec(app.output());
    if (found?.[1] !== undefined) return JSON.parse(found[1]) as Pids;
    if (exited) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** SIGKILL to `pid` (or its group), if it is still running: a failed test's leftovers. */
function end(pid: number | undefined, group = false): void {
  if (pid === undefined || !isRunning(pid)) return;
  try {
    process.kill(group ? -pid : pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

describe('a host killed with SIGKILL', () => {
  let dir: string;
  let app: BerthProcess | undefined;
  let pids: Pids | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-host-killed-'));
  });
  afterEach(async () => {
    end(app?.child.pid, true);
    await app?.exited;
    end(pids?.plugin, true);
    end(pids?.grandchild);
    app = undefined;
    pids = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('leaves neither its plugin process nor what that process started', async () => {
    await writeFile(join(dir, 'app.mjs'), application);
    app = runCommand(process.execPath, ['app.mjs'], dir, { ...process.env });
    pids = await printedPids(app);
    expect(pids, app.output()).toBeDefined();
    const { plugin, grandchild } = pids as Pids;
    expect(isRunning(plugin) && isRunning(grandchild)).toBe(true);

    app.child.kill('SIGKILL');
    expect(await app.exited).toBeNull();
    expect(await hasEnded(plugin)).toBe(true);
    expect(await hasEnded(grandchild)).toBe(true);
  });
});
