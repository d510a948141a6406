import { describe, expect, it } from 'vitest';
import { codes } from '../../../src/errors.js';
import { readHeartbeat } from '../../../src/transport/heartbeat.js';
import {
  claimRunningSlot,
  createPoolCodec,
  createPoolLiveness,
  INLINE_BYTES,
  readRunningCalls,
  releaseRunningSlot,
} from '../../../src/transport/pool-wire.js';

describe('the liveness buffer of a pool thread', () => {
  it('names the calls running in it, slot by slot, and leaves the heartbeat alone', () => {
    const liveness = createPoolLiveness(2);
    const first = claimRunningSlot(liveness, 7);
    const second = claimRunningSlot(liveness, 9);
    expect(readRunningCalls(liveness).sort()).toEqual([7, 9]);
    expect(claimRunningSlot(liveness, 11)).toBe(-1);
    releaseRunningSlot(liveness, first);
    expect(readRunningCalls(liveness)).toEqual([9]);
    releaseRunningSlot(liveness, -1);
    releaseRunningSlot(liveness, second);
    expect(readRunningCalls(liveness)).toEqual([]);
    expect(readHeartbeat(liveness)).toBe(0);
  });
});

describe('the pool codec', () => {
  const codec = createPoolCodec();

  it('carries a small array decoded, and a large one as bytes the receiver owns', () => {
    const small = codec.carry([true, { ok: true, id: 1 }], 'outcome');
    expect(Array.isArray(small)).toBe(true);
    expect(codec.uncarry(small)).toEqual([true, { ok: true, id: 1 }]);

    const rows = Array.from({ length: 1_000 }, (_, i) => ({ name: `row-${i}`, n: i }));
    const large = codec.carry([true, rows], 'outcome');
    expect(large).toBeInstanceOf(Uint8Array);
    expect((large as Uint8Array).byteLength).toBeGreaterThanOrEqual(INLINE_BYTES);
    // A second carry must not overwrite the first one's bytes.
    codec.carry([true, rows.slice().reverse()], 'outcome');
    expect(codec.uncarry(large)).toEqual([true, rows]);
  });

  it('treats values as msgpack does, whichever way they travel', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const [value] = codec.uncarry(
      codec.carry([{ bytes, none: undefined, list: [null, 'x'] }], 'args'),
    );
    expect(value).toMatchObject({ none: undefined, list: [null, 'x'] });
    expect((value as { bytes: Uint8Array }).bytes).toBeInstanceOf(Uint8Array);
    expect([...(value as { bytes: Uint8Array }).bytes]).toEqual([1, 2, 3]);
  });

  it('refuses what msgpack cannot hold with BERTH_ERR_UNENCODABLE, and keeps working', () => {
    const cycle: Record<string, unknown> = {};
    cycle['self'] = cycle;
    expect(() => codec.carry([Symbol('x')], 'args')).toThrow(
      expect.objectContaining({ code: codes.UNENCODABLE }) as Error,
    );
    expect(() => codec.carry([cycle], 'args')).toThrow(
      expect.objectContaining({ code: codes.UNENCODABLE }) as Error,
    );
    expect(codec.uncarry(codec.carry(['after'], 'args'))).toEqual(['after']);
  });

  it('decodes bytes a thread sent on shared memory from a copy (they crashed the process when decoded in place)', () => {
    const bytes = codec.carry([true, 's'.repeat(5_000)], 'outcome') as Uint8Array;
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
    shared.set(bytes);
    const [ok, value] = codec.uncarry(shared);
    expect(ok).toBe(true);
    expect(value).toBe('s'.repeat(5_000));
  });
});
