import { describe, expect, it } from 'vitest';
import {
  canTransition,
  PLUGIN_STATES,
  TRANSITIONS,
  type PluginState,
} from '../../../src/supervisor/plugin-states.js';

/** The edges of the graph in supervisor.ts's module comment and the README, one by one. */
const DRAWN: [PluginState, PluginState][] = [
  ['installed', 'starting'],
  ['starting', 'running'],
  ['running', 'degraded'],
  ['degraded', 'running'],
  ['running', 'crashed'],
  ['degraded', 'crashed'],
  ['crashed', 'backoff'],
  ['backoff', 'starting'],
  ['starting', 'failed'],
  ['crashed', 'failed'],
  ['failed', 'starting'],
  ['running', 'stopping'],
  ['stopping', 'stopped'],
];

describe('the plugin state table', () => {
  it('has every edge of the drawn graph', () => {
    for (const [from, to] of DRAWN) expect(canTransition(from, to), `${from} → ${to}`).toBe(true);
  });

  it('names only known states, and every state is reached from installed', () => {
    const reached = new Set<PluginState>(['installed']);
    for (let grew = true; grew;) {
      grew = false;
      for (const from of [...reached]) {
        for (const to of TRANSITIONS[from]) {
          expect(PLUGIN_STATES).toContain(to);
          if (!reached.has(to)) {
            reached.add(to);
            grew = true;
          }
        }
      }
    }
    expect([...reached].sort()).toEqual([...PLUGIN_STATES].sort());
  });

  it('refuses what the lifecycle never does', () => {
    for (const [from, to] of [
      ['stopped', 'running'],
      ['installed', 'running'],
      ['crashed', 'running'],
      ['backoff', 'running'],
      ['failed', 'running'],
      ['stopping', 'running'],
    ] as const) {
      expect(canTransition(from, to), `${from} → ${to}`).toBe(false);
    }
  });

  it('ends only in stopped', () => {
    const ends = PLUGIN_STATES.filter((state) => TRANSITIONS[state].length === 0);
    expect(ends).toEqual(['stopped']);
  });
});
