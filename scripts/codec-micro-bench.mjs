// Micro-benchmark of the value codecs alone (no threads): what every call pays to encode
// and decode its frame. Runs on the built code, so `npm run build` first:
//
//   node --expose-gc scripts/codec-micro-bench.mjs [rounds]
//
// Cases, each one encode plus one decode, the way the data plane does them:
// - thread tiny: the call frame [CALL, 7, 'svc', 'm', ['x']] through the stream codec,
//   decoded from a reused scratch buffer (shared-channel.ts does the same);
// - thread records: a result frame of 1,000 Kubernetes-like records (bench/payloads.ts),
//   strings bundled, decoded from a private copy;
// - pool tiny / pool records: the pool codec's carry + uncarry of [true, value];
// - inline tiny / inline records: a copy through the inline value codec, when it exists.
// Each round times a fixed number of operations; the figures are per operation, as the
// median of the rounds with the lowest and highest round beside it.
import { performance } from 'node:perf_hooks';
import * as codec from '../dist/src/transport/codec.js';
import { createPoolCodec } from '../dist/src/transport/pool-wire.js';
import { records } from '../dist/bench/payloads.js';

const rounds = Number(process.argv[2] ?? 15);
const tinyFrame = [1, 7, 'svc', 'm', ['x']];
const recordsFrame = [2, 7, records];

function threadCase(frame, bundle) {
  const encoder = codec.createStreamEncoder();
  const decoder = codec.createStreamDecoder();
  const scratch = Buffer.allocUnsafeSlow(4096);
  return () => {
    const bytes = encoder.encode(frame, bundle);
    if (bytes.byteLength <= scratch.byteLength) {
      scratch.set(bytes);
      return decoder.decode(scratch, bytes.byteLength, true);
    }
    const own = Uint8Array.prototype.slice.call(bytes);
    return decoder.decode(own, own.byteLength, false);
  };
}

function poolCase(value) {
  const pool = createPoolCodec();
  return () => pool.uncarry(pool.carry([true, value]));
}

function inlineCase(value) {
  const copy = codec.createValueCopier?.();
  return copy === undefined ? undefined : () => copy(value, 'result');
}

const cases = [
  ['thread tiny', threadCase(tinyFrame, false), 20_000],
  ['thread records', threadCase(recordsFrame, true), 40],
  ['pool tiny', poolCase({ ok: true, id: 7 }), 20_000],
  ['pool records', poolCase(records), 40],
  ['inline tiny', inlineCase(['x']), 20_000],
  ['inline records', inlineCase(records), 40],
].filter(([, run]) => run !== undefined);

const results = new Map(cases.map(([name]) => [name, []]));
for (let round = -2; round < rounds; round += 1) {
  for (const [name, run, ops] of cases) {
    globalThis.gc?.();
    const start = performance.now();
    for (let i = 0; i < ops; i += 1) run();
    const perOp = ((performance.now() - start) * 1000) / ops;
    if (round >= 0) results.get(name).push(perOp); // the first two rounds warm up
  }
}

const fmt = (us) => (us >= 100 ? us.toFixed(0) : us.toFixed(2));
console.log(`node ${process.version}, ${rounds} rounds; µs per encode + decode`);
console.log('case              median      min      max');
for (const [name, times] of results) {
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(
    `${name.padEnd(16)} ${fmt(median).padStart(8)} ${fmt(times[0]).padStart(8)} ${fmt(times.at(-1)).padStart(8)}`,
  );
}
