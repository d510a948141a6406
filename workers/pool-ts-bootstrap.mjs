// Runs the pool task module from source (tests, development). piscina imports the task
// module itself, and Node 20 cannot load .ts in a worker nor honours `--import tsx`
// there, so this bootstrap registers tsx, imports the .ts entry (its path arrives as the
// first argv: piscina drops a ?query from file URLs) and re-exports its task function.
// Production loads dist/workers/pool-worker.js instead.
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const entry = import(pathToFileURL(process.argv[2]).href);

/** The task function piscina calls (its `name` option): the .ts module's own. */
export async function runTask(task) {
  return (await entry).runTask(task);
}
