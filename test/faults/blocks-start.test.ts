import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { codes } from '../../src/index.js';
import type { BlocksStart } from '../fixtures/plugins/fault-blocks-start/index.js';
import { FAULT_ISOLATIONS, inIsolation, useFaultHosts } from './fault-host.js';
import { rejection } from '../support/rejection.js';

const PLUGIN = 'fault-blocks-start';
const HANG_MS = 300;

/** A logger that keeps every line, and when each came. */
function recordingLogger(): { logger: pino.Logger; lines: { at: number; line: string }[] } {
  const lines: { at: number; line: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push({ at: Date.now(), line: chunk.toString() });
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

/** Timers and handles this process holds now, by kind. */
function resources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo())
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

describe.each(FAULT_ISOLATIONS)(
  'a plugin whose first start blocks its event loop (%s)',
  (isolation) => {
    const start = useFaultHosts(inIsolation(isolation));

    it('stays failed once its start is found hung: no restarts, no transitions after "failed"', async () => {
      const fault = await start([PLUGIN], { hangTimeoutMs: HANG_MS });
      expect(await fault.waitFor('plugin:failed', PLUGIN)).toMatchObject({
        error: { code: codes.PLUGIN_HUNG },
      });
      // Several hang timeouts and restart delays later, nothing more has happened to it.
      await new Promise((resolve) => setTimeout(resolve, 6 * HANG_MS));
      const transitions = fault.events
        .filter((e) => e.payload.plugin === PLUGIN)
        .map((e) => e.event);
      expect(transitions).toEqual(['plugin:failed']);
      expect(fault.host.plugins().find((p) => p.name === PLUGIN)).toMatchObject({
        state: 'failed',
        restarts: 0,
      });
      const refused = await rejection(fault.host.service<BlocksStart>('blocks-start').ping());
      expect(refused).toMatchObject({ code: codes.PLUGIN_FAILED, plugin: PLUGIN });
      expect(await fault.echo()).toBe('neighbour unharmed');
    });

    it('leaves nothing running once the host is closed: no timers, no workers, no log lines', async () => {
      const before = resources();
      const { logger, lines } = recordingLogger();
      const fault = await start([PLUGIN], { hangTimeoutMs: HANG_MS, logger });
      await fault.waitFor('plugin:failed', PLUGIN);
      expect(await fault.echo()).toBe('neighbour unharmed');
      await fault.host.close();
      const closedAt = Date.now();

      await new Promise((resolve) => setTimeout(resolve, 6 * HANG_MS));
      const late = lines.filter((l) => l.at > closedAt).map((l) => l.line);
      expect(late).toEqual([]);
      const after = resources();
      for (const kind of ['Timeout', 'MessagePort', 'Worker']) {
        expect(after.get(kind) ?? 0, kind).toBeLessThanOrEqual(before.get(kind) ?? 0);
      }
    });
  },
);
