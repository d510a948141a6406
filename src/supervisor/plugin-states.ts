/**
 * A plugin's lifecycle states and the moves between them, as a table: the supervisor
 * moves only along these edges, and the graph in the supervisor's module comment is
 * drawn from it (a unit test holds the two together).
 */

/** Every state, in the order metrics and docs list them. */
export const PLUGIN_STATES = [
  'installed',
  'starting',
  'running',
  'degraded',
  'stopping',
  'stopped',
  'crashed',
  'backoff',
  'failed',
] as const;

/** Lifecycle states (DESIGN.md section 4). */
export type PluginState = (typeof PLUGIN_STATES)[number];

/**
 * Where each state may go. `starting → starting` is an operator restart overtaking a
 * start; `installed → failed` a config refused before any start.
 */
export const TRANSITIONS: Readonly<Record<PluginState, readonly PluginState[]>> = {
  installed: ['starting', 'failed'],
  starting: ['running', 'starting', 'backoff', 'failed', 'stopping'],
  running: ['degraded', 'crashed', 'starting', 'stopping'],
  degraded: ['running', 'crashed', 'starting', 'stopping'],
  crashed: ['backoff', 'failed'],
  backoff: ['starting'],
  failed: ['starting'],
  stopping: ['stopped'],
  stopped: [],
};

/** Whether the lifecycle allows going from `from` to `to`. */
export function canTransition(from: PluginState, to: PluginState): boolean {
  return TRANSITIONS[from].includes(to);
}
