// A poison request: an idempotent call whose arguments kill any worker that runs it. The
// supervisor retries an idempotent call once after its worker dies; that retry must not
// turn one bad request into two crashes counted toward the breaker (three such GETs used
// to open it and take the plugin down for its cooldown), and a call that hung its worker
// is not retried at all (it would hang the next one too).
import { describe, expect, it } from 'vitest';
import { codes } from '../../src/index.js';
import type { Poison } from '../fixtures/plugins/fault-poison/index.js';
import { FAULT_ISOLATIONS, inIsolation, useFaultHosts } from './fault-host.js';
import { rejection } from '../support/rejection.js';

const PLUGIN = 'fault-poison';

describe.each(FAULT_ISOLATIONS)('a poison call (%s)', (isolation) => {
  const start = useFaultHosts(inIsolation(isolation));

  it('that crashes the retry worker too fails with BERTH_ERR_POISON_CALL, and three of them leave the breaker closed', async () => {
    const fault = await start([PLUGIN]);
    const poison = fault.host.service<Poison>('poison');
    const first = await poison.get('fine');

    for (let n = 1; n <= 3; n += 1) {
      const error = await rejection(poison.get('crash'));
      expect(error).toMatchObject({
        code: codes.POISON_CALL,
        plugin: PLUGIN,
        service: 'poison',
        method: 'get',
        data: { first: codes.PLUGIN_CRASHED, second: codes.PLUGIN_CRASHED },
      });
      // Two workers died per poison call; the second death of each is marked, not counted.
      await fault.waitFor('plugin:crashed', PLUGIN, 2 * n);
    }
    const crashes = fault.events.filter((e) => e.event === 'plugin:crashed');
    expect(crashes.map((e) => e.payload['poisoned'])).toEqual([
      false,
      true,
      false,
      true,
      false,
      true,
    ]);
    // Six deaths with a budget of five would have opened the breaker; three did not.
    expect(fault.events.some((e) => e.event === 'plugin:failed')).toBe(false);
    const after = await poison.get('fine');
    expect(after).toMatchObject({ key: 'fine' });
    expect(after.threadId).not.toBe(first.threadId);
    expect(fault.host.plugins().find((p) => p.name === PLUGIN)?.state).toBe('running');
    expect(await fault.echo()).toBe('neighbour unharmed');
  });

  it('that hangs its worker is not retried: one hang, BERTH_ERR_PLUGIN_HUNG, and the next call is served', async () => {
    const fault = await start([PLUGIN]);
    const poison = fault.host.service<Poison>('poison');
    await poison.get('fine');

    expect(await rejection(poison.get('spin'))).toMatchObject({
      code: codes.PLUGIN_HUNG,
      method: 'get',
    });
    await fault.waitFor('plugin:restarted', PLUGIN);
    expect(await poison.get('fine')).toMatchObject({ key: 'fine' });
    expect(fault.events.filter((e) => e.event === 'plugin:crashed')).toHaveLength(1);
    expect(await fault.echo()).toBe('neighbour unharmed');
  });
});
