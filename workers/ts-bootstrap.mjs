// Runs a TypeScript worker entry from source (tests, development). Node 20 cannot load
// .ts in a worker and ignores `--import tsx` there, so the worker registers tsx itself.
// The entry's path arrives as the first argv; production loads dist/workers/*.js instead.
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

register();
await import(pathToFileURL(process.argv[2]).href);
