// The module piscina loads in each pool thread. piscina tries `require()` on its task
// module before `import()`; on Node 20.19+ a require of pool-worker.js would load its
// whole ESM graph through require(esm) only to give up at its top-level await, and the
// graph would then be loaded again by import(). This CommonJS entry makes that first
// attempt succeed at once, and pool-worker.js is loaded by import() alone. piscina awaits
// the exported promise for its handler (its `name` is 'default').
export = import('./pool-worker.js').then((worker) => worker.runTask);
