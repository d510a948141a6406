/**
 * Where a plugin worker's code lives. Built code (dist/) loads dist/workers/*.js. Run
 * from source (tests, development), this module is itself a .ts file: then the worker
 * starts through a small bootstrap that registers tsx before importing the .ts entry,
 * because Node 20 neither loads .ts in a worker nor honours `--import tsx` there.
 *
 * `BERTH_WORKERS=dist` makes source runs use the built workers too: they start in about
 * a tenth of the time (no TypeScript to compile in each new thread). The test suite sets
 * it and rebuilds dist/ first when the sources are newer (test/build-once.ts).
 */
import { fileURLToPath } from 'node:url';

/** The file a worker runs and the argv it needs. */
export interface WorkerEntry {
  url: URL;
  argv: string[];
}

/** Resolves the entry of the worker named `name` (a file in workers/ without extension). */
export function resolveWorkerEntry(
  name: string,
  here = import.meta.url,
  workers = process.env['BERTH_WORKERS'],
): WorkerEntry {
  if (!here.endsWith('.ts')) return { url: new URL(`../../workers/${name}.js`, here), argv: [] };
  if (workers === 'dist') return { url: new URL(`../../dist/workers/${name}.js`, here), argv: [] };
  return {
    url: new URL('../../workers/ts-bootstrap.mjs', here),
    argv: [fileURLToPath(new URL(`../../workers/${name}.ts`, here))],
  };
}
