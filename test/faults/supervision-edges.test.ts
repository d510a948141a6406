// Edge cases of supervision found while writing the fault suite.
import { describe, expect, it } from 'vitest';
import { codes } from '../../src/index.js';
import type { Exits } from '../fixtures/plugins/fault-exits/index.js';
import type { Silent } from '../fixtures/plugins/fault-never-answers/index.js';
import type { Throws } from '../fixtures/plugins/fault-throws/index.js';
import { FAULT_ISOLATIONS, inIsolation, useFaultHosts } from './fault-host.js';
import { rejection } from '../support/rejection.js';

describe.each(FAULT_ISOLATIONS)('supervision at the edges (%s)', (isolation) => {
  const start = useFaultHosts(inIsolation(isolation));

  it('refuses calls past maxInFlight even when they are all made in the same tick', async () => {
    const fault = await start(['fault-never-answers'], { maxInFlight: 4 });
    const silent = fault.host.service<Silent>('silent', { timeoutMs: 500 });
    const errors = await Promise.all(Array.from({ length: 10 }, () => rejection(silent.never())));
    expect(errors.filter((e) => e['code'] === codes.OVERLOADED)).toHaveLength(6);
    expect(errors.filter((e) => e['code'] === codes.CALL_TIMEOUT)).toHaveLength(4);
  });

  it('rejects a thrown error whose data cannot be encoded with BERTH_ERR_PLUGIN_ERROR, the error without its data below, and keeps the worker', async () => {
    const fault = await start(['fault-throws']);
    const throws = fault.host.service<Throws>('throws');
    const before = await throws.ping();
    const error = await rejection(throws.throwUnencodableData());
    expect(error).toMatchObject({ code: codes.PLUGIN_ERROR, method: 'throwUnencodableData' });
    // The plugin's own error, its code kept and its data left out, is below the one that says why.
    const own = (error.cause as Error).cause;
    expect(own).toMatchObject({ code: codes.INVALID_ARGUMENT, message: 'bad request' });
    expect((own as { data?: unknown }).data).toBeUndefined();
    expect(await throws.ping()).toBe(before);
  });

  it('rejects a call still in flight at close with BERTH_ERR_PLUGIN_NOT_RUNNING, not as a crash', async () => {
    const fault = await start(['fault-never-answers'], { stopTimeoutMs: 200 });
    const call = rejection(fault.host.service<Silent>('silent').never());
    await expect
      .poll(() => fault.host.plugins().find((p) => p.name === 'fault-never-answers')?.inFlight)
      .toBe(1);
    await fault.host.close();
    expect(await call).toMatchObject({ code: codes.PLUGIN_NOT_RUNNING });
  });

  it('names the service and method of each call a crash rejects', async () => {
    const fault = await start(['fault-exits']);
    const exits = fault.host.service<Exits>('exits');
    const write = rejection(exits.write(200));
    await rejection(exits.exit(1));
    expect(await write).toMatchObject({
      code: codes.PLUGIN_CRASHED,
      service: 'exits',
      method: 'write',
    });
  });
});
