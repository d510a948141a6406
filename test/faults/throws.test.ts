import { pino, type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  MAX_CAUSE_DEPTH,
  MAX_CODE_CHARS,
  MAX_MESSAGE_CHARS,
  MAX_NAME_CHARS,
  MAX_STACK_CHARS,
} from '../../src/errors.js';
import { PLUGIN_REPORTABLE_CODES } from '../../src/wire-error.js';
import { codes, isBerthError, type HostOptions } from '../../src/index.js';
import type { Hostile, Throws } from '../fixtures/plugins/fault-throws/index.js';
import { useFaultHosts } from './fault-host.js';
import { rejection } from '../support/rejection.js';

const PLUGIN = 'fault-throws';

describe('a plugin whose method throws', () => {
  const start = useFaultHosts();

  it('rejects with BERTH_ERR_PLUGIN_ERROR carrying the thrown error, and keeps its worker', async () => {
    const fault = await start([PLUGIN]);
    const throws = fault.host.service<Throws>('throws');
    const before = await throws.ping();

    const error = await rejection(throws.throwError());
    expect(error).toMatchObject({
      code: codes.PLUGIN_ERROR,
      plugin: PLUGIN,
      service: 'throws',
      method: 'throwError',
    });
    expect((error.cause as Error).name).toBe('TypeError');

    expect(await throws.ping()).toBe(before);
    expect(fault.events.map((e) => e.event)).not.toContain('plugin:crashed');
    expect(fault.host.plugins().find((p) => p.name === PLUGIN)).toMatchObject({
      state: 'running',
      restarts: 0,
    });
    expect(await fault.echo()).toBe('neighbour unharmed');
  });

  it('rejects with BERTH_ERR_PLUGIN_ERROR when it throws a value that is not an Error', async () => {
    const fault = await start([PLUGIN]);
    const throws = fault.host.service<Throws>('throws');
    const before = await throws.ping();
    for (const value of ['a string', 42, null]) {
      expect(await rejection(throws.throwValue(value))).toMatchObject({
        code: codes.PLUGIN_ERROR,
        method: 'throwValue',
      });
    }
    expect(await throws.ping()).toBe(before);
  });

  it('rejects with BERTH_ERR_PLUGIN_ERROR when the thrown error is its own cause', async () => {
    const fault = await start([PLUGIN]);
    const throws = fault.host.service<Throws>('throws');
    const before = await throws.ping();
    expect(await rejection(throws.throwCyclicCause())).toMatchObject({
      code: codes.PLUGIN_ERROR,
      method: 'throwCyclicCause',
    });
    expect(await throws.ping()).toBe(before);
  });
});

/** Every kind of hostile value the fixture throws. */
const HOSTILE: readonly Hostile[] = [
  'proxy',
  'revoked-proxy',
  'throwing-getters',
  'throwing-conversions',
  'cyclic-cause',
  'huge-message',
  'huge-stack',
  'deep-cause',
  'non-error',
  'unencodable-data',
  'proxy-data',
  'frozen',
];

/** Codes only the host may state: a plugin that throws one is not believed. */
const HOST_CODES = Object.values(codes).filter((code) => !PLUGIN_REPORTABLE_CODES.has(code));

/** The same fixture in each isolation mode: the manifest of pool-throws asks for a pool. */
const MODES = [
  { mode: 'thread', plugin: PLUGIN, options: {} },
  { mode: 'inline', plugin: PLUGIN, options: { isolation: 'inline' } },
  { mode: 'pool', plugin: 'pool-throws', options: {} },
  { mode: 'process', plugin: PLUGIN, options: { isolation: 'process' } },
] as const satisfies readonly { mode: string; plugin: string; options: HostOptions }[];

/** Checks that `error` and its whole cause chain are within the bounds of src/errors.ts. */
function expectBounded(error: Error & Record<string, unknown>, label: string): void {
  expect(error.message.length, label).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
  let depth = 0;
  for (let cause = error.cause; cause !== undefined; depth += 1) {
    const link = cause as Error & Record<string, unknown>;
    expect(link.message.length, label).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(link.name.length, label).toBeLessThanOrEqual(MAX_NAME_CHARS);
    expect(link.stack?.length ?? 0, label).toBeLessThanOrEqual(MAX_STACK_CHARS);
    expect(String(link['code'] ?? '').length, label).toBeLessThanOrEqual(MAX_CODE_CHARS);
    cause = link.cause;
  }
  // The caller's error, then the plugin's error and at most MAX_CAUSE_DEPTH causes of it.
  expect(depth, label).toBeLessThanOrEqual(MAX_CAUSE_DEPTH + 1);
}

/** Records what the host logs at warn and above, to see that no worker or thread died. */
function recordLogs(): { logger: Logger; errors(): string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
  const errors = () => lines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
  return { logger, errors };
}

describe.each(MODES)('a plugin that throws what cannot be inspected ($mode)', (setup) => {
  const start = useFaultHosts();

  it('rejects each value with BERTH_ERR_PLUGIN_ERROR, bounded, and serves the next call', async () => {
    const logs = recordLogs();
    const fault = await start([setup.plugin], { ...setup.options, logger: logs.logger });
    const throws = fault.host.service<Throws>('throws');
    const threads = new Set([await throws.ping()]);

    for (const kind of HOSTILE) {
      const error = await rejection(throws.throwHostile(kind));
      expect(error, kind).toMatchObject({
        code: codes.PLUGIN_ERROR,
        plugin: setup.plugin,
        service: 'throws',
        method: 'throwHostile',
      });
      expectBounded(error, kind);
      threads.add(await throws.ping());
    }

    // No worker (no pool thread) died and was replaced: the same threads answered.
    expect(threads.size).toBeLessThanOrEqual(setup.mode === 'pool' ? 2 : 1);
    expect(logs.errors()).toEqual([]);
    expect(fault.events.map((e) => e.event)).not.toContain('plugin:crashed');
    expect(fault.host.plugins().find((p) => p.name === setup.plugin)).toMatchObject({
      isolation: setup.mode,
      state: 'running',
      restarts: 0,
    });
    expect(await fault.echo()).toBe('neighbour unharmed');
  });

  it('does not believe a host code the plugin throws: BERTH_ERR_PLUGIN_ERROR, the code kept on the cause', async () => {
    const fault = await start([setup.plugin], setup.options);
    const throws = fault.host.service<Throws>('throws');

    for (const code of HOST_CODES) {
      for (const asBerthError of [true, false]) {
        const error = await rejection(throws.throwForged(code, asBerthError));
        expect(error, code).toMatchObject({ code: codes.PLUGIN_ERROR, method: 'throwForged' });
        expect(isBerthError(error.cause), code).toBe(false);
        expect((error.cause as { code?: unknown }).code, code).toBe(code);
      }
    }
    // A code a plugin may report still passes, with its data.
    expect(await rejection(throws.throwForged(codes.REVISION_CONFLICT, true))).toMatchObject({
      code: codes.REVISION_CONFLICT,
      data: { exitCode: 1 },
    });

    expect(await throws.ping()).toBeTypeOf('number');
    expect(fault.events.map((e) => e.event)).not.toContain('plugin:crashed');
    expect(await fault.echo()).toBe('neighbour unharmed');
  });
});
