import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { codes } from '../../src/index.js';
import type { Exits } from '../fixtures/plugins/fault-exits/index.js';
import { timed, FAULT_ISOLATIONS, inIsolation, useFaultHosts } from './fault-host.js';
import { rejection } from '../support/rejection.js';

const PLUGIN = 'fault-exits';

describe.each(FAULT_ISOLATIONS)(
  'a plugin that calls process.exit in a method (%s)',
  (isolation) => {
    const start = useFaultHosts(inIsolation(isolation));

    it('rejects the call with BERTH_ERR_PLUGIN_CRASHED, restarts it, and serves the next call on a fresh worker', async () => {
      const fault = await start([PLUGIN]);
      const exits = fault.host.service<Exits>('exits');
      const first = await exits.ping();

      const { value: error, ms } = await timed(() => rejection(exits.exit(7)));
      expect(error).toMatchObject({
        code: codes.PLUGIN_CRASHED,
        plugin: PLUGIN,
        data: { exitCode: 7 },
      });
      expect(ms).toBeLessThan(2_000);
      expect(await fault.waitFor('plugin:crashed', PLUGIN)).toMatchObject({
        code: codes.PLUGIN_CRASHED,
      });
      expect(await fault.waitFor('plugin:backoff', PLUGIN)).toMatchObject({ delayMs: 10 });
      expect(await fault.waitFor('plugin:restarted', PLUGIN)).toMatchObject({ restarts: 1 });

      expect(await exits.ping()).not.toBe(first);
      expect(fault.host.plugins().find((p) => p.name === PLUGIN)).toMatchObject({
        state: 'running',
        restarts: 1,
        lastError: { code: codes.PLUGIN_CRASHED },
      });
      expect(await fault.echo()).toBe('neighbour unharmed');
    });

    it('makes a call sent during the restart wait for the new worker instead of failing', async () => {
      const fault = await start([PLUGIN], { restart: { initialDelayMs: 200, jitter: 0 } });
      const exits = fault.host.service<Exits>('exits');
      const first = await exits.ping();
      await rejection(exits.exit(1));
      await fault.waitFor('plugin:backoff', PLUGIN);
      expect(await exits.ping()).not.toBe(first);
      expect(await fault.waitFor('plugin:restarted', PLUGIN)).toMatchObject({ restarts: 1 });
    });

    it('retries an idempotent call in flight on the new worker once, and rejects a non-idempotent one', async () => {
      const fault = await start([PLUGIN]);
      const exits = fault.host.service<Exits>('exits');
      const first = await exits.ping();

      // Sent in one batch, in order: both are running on the worker when it exits.
      const read = exits.read(200);
      const write = rejection(exits.write(200));
      const exit = rejection(exits.exit(1));

      expect(await exit).toMatchObject({ code: codes.PLUGIN_CRASHED });
      expect(await write).toMatchObject({ code: codes.PLUGIN_CRASHED, plugin: PLUGIN });
      const readOn = await read;
      expect(readOn).not.toBe(first);
      expect(readOn).toBe(await exits.ping());
      expect(fault.host.plugins().find((p) => p.name === PLUGIN)?.restarts).toBe(1);
    });

    it('opens the breaker when the restart budget is spent: calls fail fast until an operator restart', async () => {
      const fault = await start([PLUGIN], {
        restart: { initialDelayMs: 10, jitter: 0, budget: 2, windowMs: 60_000, cooldownMs: 60_000 },
      });
      const exits = fault.host.service<Exits>('exits');

      await rejection(exits.exit(1));
      await fault.waitFor('plugin:restarted', PLUGIN);
      const second = await exits.ping();
      await rejection(exits.exit(2));
      expect(await fault.waitFor('plugin:failed', PLUGIN)).toMatchObject({ retryInMs: 60_000 });
      expect(fault.events.filter((e) => e.event === 'plugin:restarted')).toHaveLength(1);
      expect(fault.host.plugins().find((p) => p.name === PLUGIN)).toMatchObject({
        state: 'failed',
        lastError: { code: codes.PLUGIN_CRASHED },
      });

      const { value: refused, ms } = await timed(() => rejection(exits.ping()));
      expect(refused).toMatchObject({ code: codes.PLUGIN_FAILED, plugin: PLUGIN });
      expect(ms).toBeLessThan(500);
      expect(await fault.echo()).toBe('neighbour unharmed');

      await fault.host.restart(PLUGIN);
      expect(await fault.waitFor('plugin:restarted', PLUGIN, 2)).toMatchObject({ restarts: 2 });
      expect(fault.host.plugins().find((p) => p.name === PLUGIN)?.state).toBe('running');
      expect(await exits.ping()).not.toBe(second);
    });

    it('forwards the lines a plugin logged just before it exited', async () => {
      const lines: string[] = [];
      const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
      const fault = await start([PLUGIN], { logger });
      const exits = fault.host.service<Exits>('exits');
      await rejection(exits.logAndExit('the last words', 5));
      await fault.waitFor('plugin:crashed', PLUGIN);
      expect(lines.some((line) => line.includes('the last words'))).toBe(true);
    });
  },
);
