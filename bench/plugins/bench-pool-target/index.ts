// The bench-target plugin, unchanged, under a manifest that runs it on a pool.
export { default } from '../bench-target/index.js';
