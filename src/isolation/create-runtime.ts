/** The runtime of each isolation mode, made in one place. */
import { createInlineRuntime } from './inline-runtime.js';
import { createPoolRuntime } from './pool-runtime.js';
import { createProcessRuntime } from './process-runtime.js';
import type { PluginRuntime, RuntimeSpec } from './runtime.js';
import { createThreadRuntime } from './thread-runtime.js';

/** A runtime of `isolation` (a pool of `threads`); it starts nothing until `start()`. */
export function createRuntime(
  spec: RuntimeSpec,
  isolation: PluginRuntime['isolation'],
  threads = 1,
): PluginRuntime {
  switch (isolation) {
    case 'inline':
      return createInlineRuntime(spec);
    case 'pool':
      return createPoolRuntime(spec, { threads });
    case 'process':
      return createProcessRuntime(spec);
    case 'thread':
      return createThreadRuntime(spec);
  }
}
