/**
 * The shared-memory data plane through a real worker: zero-copy leases, the arena's
 * fallbacks, many callers at once, and a worker that dies with calls in its rings.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codes, createHost, Lease, type HostOptions, type PluginHost } from '../../src/index.js';
import type { Shapes } from '../fixtures/plugins/data-plane/index.js';
import { seededRandom as random } from '../support/seeded-random.js';

const fixtures = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));
/** A small arena, so the tests reach its edges quickly. */
const ARENA = 256 * 1024;

const patternByte = (i: number, seed: number): number => (i * 31 + seed) & 0xff;

/** The index of the first byte that breaks the pattern, or -1. */
function firstWrongByte(bytes: Uint8Array, size: number, seed: number, from = 0): number {
  if (bytes.byteLength !== size) return bytes.byteLength;
  for (let i = 0; i < size; i += 1) if (bytes[i] !== patternByte(from + i, seed)) return i;
  return -1;
}

describe('the shared-memory data plane', () => {
  let host: PluginHost | undefined;
  let dataDir: string;
  let warnings: string[];

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'berth-data-plane-'));
    warnings = [];
  });
  afterEach(async () => {
    await host?.close();
    host = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(options: HostOptions = {}): Promise<PluginHost> {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        warnings.push(chunk.toString());
        done();
      },
    });
    host = createHost({
      plugins: [fixtures],
      enable: ['data-plane'],
      isolation: 'thread',
      dataDir,
      logger: pino({ level: 'warn' }, sink),
      dataPlane: { arenaBytes: ARENA },
      ...options,
    });
    await host.start();
    return host;
  }

  const arenaInUse = (started: PluginHost): number | undefined =>
    started.plugins().find((p) => p.name === 'data-plane')?.arena?.bytesInUse;

  it('returns values that are safe to keep, and leaves the arena empty', async () => {
    const started = await start();
    const shapes = started.service<Shapes>('shapes');
    const kept = await shapes.bytes(100_000, 1);
    for (let i = 0; i < 50; i += 1) await shapes.bytes(100_000, 2);
    expect(firstWrongByte(kept, 100_000, 1)).toBe(-1);
    expect(arenaInUse(started)).toBe(0);
  });

  it('keeps a lease valid across 10,000 further calls, and frees its slot on release', async () => {
    const started = await start();
    const shapes = started.service<Shapes>('shapes');
    const zeroCopy = started.service<Shapes>('shapes', { zeroCopy: true });
    const lease = await zeroCopy.bytes(100_000, 7);
    expect(lease).toBeInstanceOf(Lease);
    // A view on shared memory, not a copy.
    expect(lease.value.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(arenaInUse(started)).toBeGreaterThanOrEqual(100_000);

    for (let i = 0; i < 10_000; i += 1) {
      const size = i % 10 === 0 ? 60_000 : 40;
      const got = await shapes.bytes(size, i & 0xff);
      if (firstWrongByte(got, size, i & 0xff) !== -1) throw new Error(`call ${i} came back wrong`);
    }
    expect(firstWrongByte(lease.value, 100_000, 7)).toBe(-1);

    lease.release();
    lease.release(); // safe twice
    expect(lease.released).toBe(true);
    expect(arenaInUse(started)).toBe(0);
  });

  it('releases a lease at the end of a `using` block', async () => {
    const started = await start();
    const zeroCopy = started.service<Shapes>('shapes', { zeroCopy: true });
    {
      using bytes = await zeroCopy.bytes(80_000, 3);
      expect(firstWrongByte(bytes.value, 80_000, 3)).toBe(-1);
      expect(arenaInUse(started)).toBeGreaterThan(0);
      // An object result is decoded from a private copy: its lease holds no arena.
      using blob = await zeroCopy.blob(80_000, 4);
      expect(firstWrongByte(blob.value.data, 80_000, 4)).toBe(-1);
      expect(blob.released).toBe(true);
    }
    expect(arenaInUse(started)).toBe(0);
  });

  it('takes the copying path when the arena is full or the result larger than it', async () => {
    const started = await start();
    const zeroCopy = started.service<Shapes>('shapes', { zeroCopy: true });
    // Hold leases until the arena cannot take another 100 KB result.
    const held: Lease<Uint8Array>[] = [];
    for (let seed = 0; seed < 4; seed += 1) held.push(await zeroCopy.bytes(100_000, seed));
    const inArena = held.filter((lease) => lease.value.buffer instanceof SharedArrayBuffer);
    expect(inArena.length).toBeGreaterThan(0);
    expect(inArena.length).toBeLessThan(held.length); // the rest were copied
    // Larger than the arena: copied, in one piece.
    const huge = await zeroCopy.bytes(ARENA * 2, 9);
    expect(huge.value.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(firstWrongByte(huge.value, ARENA * 2, 9)).toBe(-1);
    const hugeBlob = await zeroCopy.blob(ARENA * 2, 10);
    expect(firstWrongByte(hugeBlob.value.data, ARENA * 2, 10)).toBe(-1);
    held.forEach((lease, seed) => {
      expect(firstWrongByte(lease.value, 100_000, seed)).toBe(-1);
      lease.release();
    });
    huge.release();
    hugeBlob.release();
    expect(arenaInUse(started)).toBe(0);
  });

  it('answers each of many concurrent callers with its own result, for sizes from 0 to twice the arena', async () => {
    const started = await start();
    const shapes = started.service<Shapes>('shapes');
    const zeroCopy = started.service<Shapes>('shapes', { zeroCopy: true });
    const next = random(20261122);
    const failures: string[] = [];
    const caller = async (callerId: number): Promise<void> => {
      for (let call = 0; call < 15; call += 1) {
        const roll = next();
        const size = roll < 0.5 ? Math.floor(next() * 64) : Math.floor(next() * ARENA * 2);
        const seed = (callerId * 31 + call) & 0xff;
        const kind = Math.floor(next() * 4);
        let bytes: Uint8Array;
        let lease: Lease<unknown> | undefined;
        if (kind === 0) bytes = await shapes.bytes(size, seed);
        else if (kind === 1) bytes = (await shapes.blob(size, seed)).data;
        else if (kind === 2) {
          const got = await zeroCopy.bytes(size, seed);
          lease = got;
          bytes = got.value;
        } else {
          const records = await shapes.records(size % 300, seed);
          if (records.length !== size % 300 || records.some((r, i) => r.n !== seed + i)) {
            failures.push(`caller ${callerId} call ${call}: records`);
          }
          continue;
        }
        const wrong = firstWrongByte(bytes, size, seed);
        if (wrong !== -1)
          failures.push(`caller ${callerId} call ${call}: size ${size} byte ${wrong}`);
        lease?.release();
      }
    };
    await Promise.all(Array.from({ length: 40 }, (_, id) => caller(id)));
    expect(failures).toEqual([]);
    expect(arenaInUse(started)).toBe(0);
  });

  it('queues calls that do not fit the request ring, and sends larger ones the copying way', async () => {
    const started = await start();
    const shapes = started.service<Shapes>('shapes');
    // 300 calls of 30 KB each in one tick: nine times the 1 MiB request ring.
    const sizes = Array.from({ length: 300 }, (_, i) => (i % 50 === 0 ? 2 * 1024 * 1024 : 30_000));
    const answers = await Promise.all(
      sizes.map((size, i) => shapes.sum(new Uint8Array(size).fill(i & 0xff))),
    );
    answers.forEach((answer, i) => {
      expect(answer).toEqual({ size: sizes[i], sum: (sizes[i] as number) * (i & 0xff) });
    });
  });

  it('keeps serving correct records after a result that cannot be encoded', async () => {
    const started = await start();
    const shapes = started.service<Shapes>('shapes');
    const before = await shapes.records(3, 1);
    await expect(shapes.unencodable()).rejects.toMatchObject({ code: codes.UNENCODABLE });
    const [after, other] = await Promise.all([shapes.records(3, 2), shapes.records(2, 5)]);
    expect(before.map((r) => r.name)).toEqual(['r-1-0', 'r-1-1', 'r-1-2']);
    expect(after.map((r) => r.n)).toEqual([2, 3, 4]);
    expect(other).toEqual([
      { name: 'r-5-0', n: 5, tags: ['t0', 's0'] },
      { name: 'r-5-1', n: 6, tags: ['t1', 's0'] },
    ]);
  });

  it('rejects exactly the calls a dying worker held, and serves the next ones', async () => {
    const started = await start({ restart: { initialDelayMs: 0, jitter: 0 } });
    const shapes = started.service<Shapes>('shapes');
    const quick = await Promise.all(Array.from({ length: 20 }, (_, i) => shapes.hold(0, i)));
    expect(quick).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const held = Array.from({ length: 30 }, (_, i) => shapes.hold(60_000, i));
    const dying = shapes.exitAfter(20);
    const outcomes = await Promise.allSettled([...held, dying]);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({
        code: codes.PLUGIN_CRASHED,
      });
    }
    expect(await shapes.hold(0, 'after')).toBe('after');
    expect(firstWrongByte(await shapes.bytes(100_000, 4), 100_000, 4)).toBe(-1);
  });

  it('reclaims the slot of a lease dropped without release, with a warning', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const started = await start();
    const zeroCopy = started.service<Shapes>('shapes', { zeroCopy: true });
    await (async () => {
      const forgotten = await zeroCopy.bytes(100_000, 5);
      expect(forgotten.value.byteLength).toBe(100_000);
    })();
    expect(arenaInUse(started)).toBeGreaterThan(0);
    for (let attempt = 0; attempt < 50 && arenaInUse(started) !== 0; attempt += 1) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(arenaInUse(started)).toBe(0);
    expect(warnings.join('')).toContain('without release()');
  });

  describe('results written in place (ctx.resultBytes)', () => {
    it('reaches a zero-copy caller where the plugin wrote it, and a copying caller as its own bytes', async () => {
      const started = await start();
      const zeroCopy = started.service<Shapes>('shapes', { zeroCopy: true });
      {
        using lease = await zeroCopy.written(100_000, 3);
        expect(lease.value.buffer).toBeInstanceOf(SharedArrayBuffer);
        expect(firstWrongByte(lease.value, 100_000, 3)).toBe(-1);
      }
      {
        using prefix = await zeroCopy.written(100_000, 4, undefined, 40_000);
        expect(firstWrongByte(prefix.value, 40_000, 4)).toBe(-1);
      }
      const copied = await started.service<Shapes>('shapes').written(100_000, 6);
      expect(copied.buffer).toBeInstanceOf(ArrayBuffer);
      expect(firstWrongByte(copied, 100_000, 6)).toBe(-1);
      expect(arenaInUse(started)).toBe(0);
    });

    it('lends a small one as a plain array, and one lent view at a time: other callers get their bytes all the same', async () => {
      const started = await start();
      const shapes = started.service<Shapes>('shapes');
      expect(await shapes.lendsShared(1_000)).toBe(false);
      expect(await shapes.lendsShared(100_000)).toBe(true);
      // Four callers at once, each holding its bytes for a while: one has the arena's view.
      const sizes = [50_000, 60_000, 70_000, 80_000];
      const wrong = await Promise.all(
        sizes.map(async (size, seed) =>
          firstWrongByte(await shapes.written(size, seed, 20), size, seed),
        ),
      );
      expect(wrong).toEqual([-1, -1, -1, -1]);
      expect(await shapes.lendsShared(100_000)).toBe(true); // given back
      expect(arenaInUse(started)).toBe(0);
    });

    it('takes the view back from a method that throws or answers with other bytes', async () => {
      const started = await start();
      const shapes = started.service<Shapes>('shapes');
      await expect(shapes.writtenNot(100_000, 'throw')).rejects.toThrow('changed its mind');
      expect(await shapes.lendsShared(100_000)).toBe(true);
      const other = await shapes.writtenNot(100_000, 'other');
      expect(firstWrongByte(other, 100_000, 5)).toBe(-1);
      expect(await shapes.lendsShared(100_000)).toBe(true);
      expect(arenaInUse(started)).toBe(0);
    });

    it('lends no slot twice while a cancelled method still writes into its view', async () => {
      const started = await start();
      const controller = new AbortController();
      const cancelled = started
        .service<Shapes>('shapes', { signal: controller.signal })
        .scribble(100_000, 300);
      setTimeout(() => controller.abort(), 10);
      await expect(cancelled).rejects.toMatchObject({ code: codes.CALL_ABORTED });
      // Held across the moment the cancelled method writes into its view: had that view's
      // slot been lent again, these bytes would come back scribbled over.
      const shapes = started.service<Shapes>('shapes');
      expect(firstWrongByte(await shapes.written(100_000, 2, 600), 100_000, 2)).toBe(-1);
      // Given back once the method has ended.
      let lends = false;
      for (let tries = 0; tries < 100 && !lends; tries += 1) {
        lends = await shapes.lendsShared(100_000);
        if (!lends) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(lends).toBe(true);
      expect(arenaInUse(started)).toBe(0);
    });

    it('refuses a length that is not a whole number of bytes, naming it, and keeps lending', async () => {
      const started = await start();
      const shapes = started.service<Shapes>('shapes');
      for (const length of [-1, 1.5, Number.NaN]) {
        await expect(shapes.lendsShared(length)).rejects.toMatchObject({
          code: codes.PLUGIN_ERROR,
          message: expect.stringContaining(`ctx.resultBytes(${String(length)})`),
        });
      }
      expect(await shapes.lendsShared(100_000)).toBe(true);
    });

    it('sends other answers of a call that holds a view the ordinary way, and gives the view back', async () => {
      const started = await start();
      const zeroCopy = started.service<Shapes>('shapes', { zeroCopy: true });
      // Bytes that are not the view's first ones, and small ones: copied, correct.
      {
        using offset = await zeroCopy.written(100_000, 3, undefined, undefined, 1_000);
        expect(firstWrongByte(offset.value, 99_000, 3, 1_000)).toBe(-1);
      }
      {
        using small = await zeroCopy.written(100_000, 4, undefined, 20_000);
        expect(firstWrongByte(small.value, 20_000, 4)).toBe(-1);
      }
      expect(await started.service<Shapes>('shapes').lendsShared(100_000)).toBe(true);
      expect(arenaInUse(started)).toBe(0);
    });

    it('gives plain arrays where there is no arena, with the same results', async () => {
      for (const isolation of ['inline', 'process'] as const) {
        const started = await start({ isolation });
        const shapes = started.service<Shapes>('shapes');
        expect(await shapes.lendsShared(100_000)).toBe(false);
        expect(firstWrongByte(await shapes.written(100_000, 7), 100_000, 7)).toBe(-1);
        expect(firstWrongByte(await shapes.written(100_000, 8, 0, 10), 10, 8)).toBe(-1);
        await started.close();
        host = undefined;
      }
    });
  });
});
