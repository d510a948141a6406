// A seeded fuzz of the plugin boundary with a real worker: a hostile plugin forges records
// in its result ring, scribbles over its ring and arena (control words included), and
// posts random control messages, while calls are in flight to it and to a neighbour.
// Whatever it does: the host stays up, every call settles with a result or a typed error,
// and the plugin is running again afterwards. `BERTH_FUZZ_WORKER_CASES` sets how many
// cases run (`npm run fuzz` runs many); a failure names its seed.
// Thread isolation only: this fixture posts on parentPort and writes the shared-memory
// rings of the thread data plane, neither of which a plugin process has. Its process
// counterpart, garbage written on the pipe to the host, is in process-isolation.test.ts.
import { describe, expect, it } from 'vitest';
import { codes, isBerthError } from '../../src/index.js';
import type { HostileWire, Target } from '../fixtures/plugins/fault-hostile-wire/index.js';
import { useFaultHosts } from './fault-host.js';

const CASES = Number(process.env['BERTH_FUZZ_WORKER_CASES'] ?? 30);
const FIRST_SEED = Number(process.env['BERTH_FUZZ_SEED'] ?? 1);
const TARGETS: Target[] = ['record', 'bytes', 'arena', 'port', 'control'];

/** What a call may end as, whatever the plugin did to the wire. */
const EXPECTED = new Set<string>([
  'ok',
  codes.PROTOCOL,
  // The plugin's writes can break its own worker's side (its request ring), or leave a
  // port record whose message never comes: the worker dies, or the call's deadline ends it.
  codes.PLUGIN_CRASHED,
  codes.CALL_TIMEOUT,
  // A call made while the plugin restarts, or an error the worker could still frame.
  codes.PLUGIN_NOT_RUNNING,
  codes.PLUGIN_ERROR,
]);

/** Settles `call` into the name of its outcome, or 'unsettled' if it takes too long. */
async function outcome(call: Promise<unknown>, seed: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(resolve, 15_000, `unsettled (seed ${seed})`);
  });
  const settled = call.then(
    () => 'ok',
    (error: unknown) => (isBerthError(error) ? error.code : `untyped (seed ${seed})`),
  );
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('a fuzz of the plugin boundary', () => {
  const start = useFaultHosts();

  it(
    `survives ${CASES} seeded cases of a worker writing garbage where the host reads`,
    { timeout: 60_000 + CASES * 2_000 },
    async () => {
      const fault = await start(['fault-hostile-wire'], {
        callTimeoutMs: 2_000,
        restart: { initialDelayMs: 1, maxDelayMs: 5, jitter: 0, budget: 1_000_000 },
      });
      const hostile = fault.host.service<HostileWire>('hostile', { timeoutMs: 2_000 });
      const seen = new Map<string, number>();
      for (let seed = FIRST_SEED; seed < FIRST_SEED + CASES; seed += 1) {
        const pick = seed % 7;
        const attack =
          pick < 5
            ? hostile.forge(seed, TARGETS[pick] as Target)
            : pick === 5
              ? hostile.scribble(seed, 1 + (seed % 64))
              : hostile.postRandom(seed, 1 + (seed % 4));
        const calls = [hostile.slow(20), hostile.ping(), attack, hostile.slow(50), fault.echo()];
        const outcomes = await Promise.all(calls.map((call) => outcome(call, seed)));
        for (const name of outcomes) {
          expect(EXPECTED.has(name), `seed ${seed}: a call ended as ${name}`).toBe(true);
          seen.set(name, (seen.get(name) ?? 0) + 1);
        }
        expect(outcomes[4], `seed ${seed}: the neighbour`).toBe('ok');
      }
      // The host is up, the neighbour answers, and the plugin serves again.
      expect(await fault.echo()).toBe('neighbour unharmed');
      await expect
        .poll(
          () =>
            hostile.ping().then(
              () => 'ok',
              (error: { code?: string }) => error.code,
            ),
          {
            timeout: 10_000,
          },
        )
        .toBe('ok');
      // The cases did break the protocol (the test would prove nothing otherwise).
      expect(seen.get(codes.PROTOCOL) ?? 0, JSON.stringify([...seen])).toBeGreaterThan(0);
    },
  );
});
