/**
 * Where a plugin worker's code lives. Built code (dist/) loads dist/workers/*.js. Run
 * from source (tests, development), this module is itself a .ts file: then the worker
 * starts through a small bootstrap that registers tsx before importing the .ts entry,
 * because Node 20 neither loads .ts in a worker nor honours `--import tsx` there.
 */
import { fileURLToPath } from 'node:url';

/** The file a worker runs and the argv it needs. */
export interface WorkerEntry {
  url: URL;
  argv: string[];
}

/** Resolves the entry of the worker named `name` (a file in workers/ without extension). */
export function resolveWorkerEntry(name: string): WorkerEntry {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    return {
      url: new URL('../../workers/ts-bootstrap.mjs', here),
      argv: [fileURLToPath(new URL(`../../workers/${name}.ts`, here))],
    };
  }
  return { url: new URL(`../../workers/${name}.js`, here), argv: [] };
}
