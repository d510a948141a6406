/**
 * How a supervisor's move from one state to another is told: logged once, at a level
 * that matches the state, and emitted as `plugin:<event>`. A move the state table
 * (plugin-states.ts) does not have is the supervisor's bug, logged loudly.
 */
import type { Logger } from 'pino';
import { canTransition, type PluginState } from './plugin-states.js';

/** Where a transition is told. */
export interface TransitionSink {
  plugin: string;
  logger: Logger;
  emit(event: string, payload: { plugin: string; [key: string]: unknown }): void;
}

/** The level a transition into `state` is logged at. */
export function transitionLevel(state: PluginState): 'error' | 'warn' | 'info' {
  if (state === 'failed' || state === 'crashed') return 'error';
  if (state === 'degraded' || state === 'backoff') return 'warn';
  return 'info';
}

/**
 * Tells the move `from` -> `to`: a transition without `event` is only checked against the
 * table; one with it is logged once and emitted with `payload` (its `error` logged as err).
 */
export function announceTransition(
  sink: TransitionSink,
  from: PluginState,
  to: PluginState,
  event: string | undefined,
  payload: Record<string, unknown>,
): void {
  const { plugin, logger } = sink;
  if (!canTransition(from, to)) {
    // A bug of the supervisor, not of the plugin: say so loudly; the caller still moves,
    // since a state that lags the runtime would strand calls.
    logger.error(
      { plugin, from, to },
      'supervisor moved along an edge its state table does not have',
    );
  }
  if (event === undefined) return;
  const { error, ...fields } = payload;
  logger[transitionLevel(to)]({ plugin, from, to, ...fields, err: error }, event);
  sink.emit(event, { plugin, ...payload });
}
