// Micro-benchmark of the value codecs alone (no threads): what every call pays to encode
// and decode its frame. Runs on the built code, so `npm run build` first:
//
//   node --expose-gc scripts/codec-micro-bench.mjs [rounds] [dist folder]
//
// CASES=<regex> runs only the cases it matches. The dist folder (default: this checkout's dist/) lets two builds be compared in turn,
// which on a shared machine says more than figures taken at different times.
//
// Cases, each one encode plus one decode, the way the data plane does them:
// - thread tiny: the call frame [CALL, 7, 'svc', 'm', ['x']] through the stream codec,
//   decoded from a reused scratch buffer (shared-channel.ts does the same);
// - thread records: a result frame of 1,000 Kubernetes-like records (bench/payloads.ts),
//   strings bundled, decoded from a private copy;
// - pool tiny / pool records: the pool codec's carry + uncarry of [true, value];
// - inline tiny / inline records: inline isolation's copy of the arguments and of the
//   result, { ok: true, id: 7 } or the 1,000 records, when it exists (copy-value.ts).
// Each round times a fixed number of operations; the figures are per operation, as the
// median of the rounds with the lowest and highest round beside it.
import { performance } from 'node:perf_hooks';
import { Buffer } from 'node:buffer';
import { pathToFileURL } from 'node:url';

const rounds = Number(process.argv[2] ?? 15);
const dist =
  process.argv[3] === undefined
    ? new URL('../dist/', import.meta.url)
    : pathToFileURL(`${process.argv[3]}/`);
const codec = await import(new URL('src/transport/codec.js', dist).href);
const { createPoolCodec } = await import(new URL('src/transport/pool-wire.js', dist).href);
const { records } = await import(new URL('bench/payloads.js', dist).href);
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
  return () => pool.uncarry(pool.carry([true, value], 'outcome'));
}

// The inline copy exists from the value model on (src/transport/copy-value.ts).
const copier = await import(new URL('src/transport/copy-value.js', dist).href).catch(
  () => undefined,
);
function inlineCase(args, result) {
  const copy = copier?.createValueCopier();
  return copy === undefined ? undefined : () => [copy(args, 'args'), copy(result, 'result')];
}

const cases = [
  ['thread tiny', threadCase(tinyFrame, false), 20_000],
  ['thread records', threadCase(recordsFrame, true), 40],
  ['pool tiny', poolCase({ ok: true, id: 7 }), 20_000],
  ['pool records', poolCase(records), 40],
  ['inline tiny', inlineCase(['x'], { ok: true, id: 7 }), 20_000],
  ['inline records', inlineCase([], records), 40],
].filter(([name, run]) => run !== undefined && new RegExp(process.env['CASES'] ?? '').test(name));

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
console.log(`${dist.pathname}: node ${process.version}, ${rounds} rounds; µs per encode + decode`);
console.log('case              median      min      max');
for (const [name, times] of results) {
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(
    `${name.padEnd(16)} ${fmt(median).padStart(8)} ${fmt(times[0]).padStart(8)} ${fmt(times.at(-1)).padStart(8)}`,
  );
}
