// Vitest global setup: tests run plugin workers from dist/ (BERTH_WORKERS=dist, set in
// vitest.config.ts), so dist/ must match the sources. Rebuild it when any source file is
// newer than the built worker; `npm test` has just built it, so this is usually a no-op.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

function newestSource(): number {
  let newest = 0;
  for (const dir of ['src', 'workers']) {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true, recursive: true })) {
      if (entry.isFile() && /\.m?ts$/.test(entry.name)) {
        newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
      }
    }
  }
  return newest;
}

function builtAt(): number {
  try {
    return statSync(join(root, 'dist/workers/plugin-worker.js')).mtimeMs;
  } catch {
    return 0;
  }
}

export default function setup(): void {
  if (builtAt() >= newestSource()) return;
  process.stdout.write('dist/ is older than the sources: building it for the worker threads\n');
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}
