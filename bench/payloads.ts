/**
 * The four payloads every transport returns, and the checks that its result is right.
 *
 * - tiny: `{ ok: true, id }`, the smallest useful answer;
 * - records: 1,000 Kubernetes-like resources, 269 KB as JSON: the list a storage
 *   layer answers, the case Clusterpedia's maintainers worried about;
 * - bodies: the same 1,000 resources as one byte array (their JSON, UTF-8), the way a
 *   storage plugin hands resource bodies to an HTTP response without decoding them;
 * - binary: 1 MiB of bytes with a known pattern.
 *
 * A transport that returns the wrong value fails the run: a wrong answer is not a fast one.
 */

/** The payload names, in report order. */
export const PAYLOADS = ['tiny', 'records', 'bodies', 'binary'] as const;
export type PayloadName = (typeof PAYLOADS)[number];

/** The small answer. */
export interface Tiny {
  ok: boolean;
  id: number;
}

/** One Kubernetes-like resource of the records payload. */
export interface BenchRecord {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    labels: Record<string, string>;
  };
  spec: { replicas: number; image: string };
}

export const RECORD_COUNT = 1_000;
export const BINARY_BYTES = 1024 * 1024;

/** The i-th record; the same for every transport and every call. */
export function makeRecord(i: number): BenchRecord {
  const app = `app-${i % 20}`;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: `web-${String(i).padStart(4, '0')}`,
      namespace: `team-${i % 10}`,
      uid: `6f1c${String(i).padStart(4, '0')}-2b7e-4c1a-9d3e-8a5b7c9d0e1f`,
      resourceVersion: String(100_000 + i),
      labels: { app, tier: i % 3 === 0 ? 'frontend' : 'backend' },
    },
    spec: { replicas: 1 + (i % 5), image: `registry.local/${app}:1.${i % 7}` },
  };
}

/** The 1,000 records, built once per process. */
export const records: readonly BenchRecord[] = Array.from({ length: RECORD_COUNT }, (_, i) =>
  makeRecord(i),
);

/** The bodies payload: the JSON of the 1,000 records as UTF-8 bytes, built once per process. */
export const bodies: Uint8Array = new TextEncoder().encode(JSON.stringify(records));

/** The binary payload: byte i is `(i * 31 + 7) & 0xff`, built once per process. */
export const binary: Uint8Array = makeBinary();

function makeBinary(): Uint8Array {
  // A plain loop: Uint8Array.from with a map function is far slower, and every worker
  // that serves the payloads pays this at start (the recovery figure would too).
  const bytes = new Uint8Array(BINARY_BYTES);
  for (let i = 0; i < BINARY_BYTES; i += 1) bytes[i] = (i * 31 + 7) & 0xff;
  return bytes;
}

/** The value of `payload` for call `id`: what every server side returns. */
export function payloadFor(
  payload: PayloadName,
  id: number,
): Tiny | readonly BenchRecord[] | Uint8Array {
  if (payload === 'tiny') return { ok: true, id };
  if (payload === 'records') return records;
  return payload === 'bodies' ? bodies : binary;
}

/**
 * Checks a result cheaply enough to run after every timed call: the tiny answer's id,
 * every record's name, and the length and 64 spread-out bytes of a byte payload. Throws
 * naming what was wrong.
 */
export function checkResult(payload: PayloadName, id: number, value: unknown): void {
  if (payload === 'tiny') {
    const tiny = value as Tiny;
    if (tiny?.ok !== true || tiny.id !== id)
      fail(payload, `expected { ok: true, id: ${id} }`, value);
  } else if (payload === 'records') {
    const list = value as BenchRecord[];
    if (!Array.isArray(list) || list.length !== RECORD_COUNT)
      fail(payload, `expected ${RECORD_COUNT} records`, value);
    for (let i = 0; i < RECORD_COUNT; i += 1) {
      if (list[i]?.metadata?.name !== records[i]?.metadata.name)
        fail(payload, `record ${i} has the wrong name`, list[i]);
    }
  } else {
    checkBytes(payload, payload === 'bodies' ? bodies : binary, value);
  }
}

/** Checks the length of `value` and 64 of its bytes, spread over it, against `expected`. */
function checkBytes(payload: PayloadName, expected: Uint8Array, value: unknown): void {
  const bytes = value as Uint8Array;
  const size = expected.byteLength;
  // Length first: the sampled bytes below would read past the end of a short answer.
  if (!(bytes instanceof Uint8Array) || bytes.byteLength !== size) {
    const got = bytes instanceof Uint8Array ? `${bytes.byteLength} bytes` : typeof bytes;
    fail(payload, `expected ${size} bytes, got ${got}`, undefined);
  }
  const step = Math.floor(size / 64) + 1;
  for (let i = 0; i < size; i += step) {
    if (bytes[i] !== expected[i])
      fail(payload, `byte ${i} is ${bytes[i]}, expected ${expected[i]}`, undefined);
  }
}

/**
 * Checks a result completely: every field of every record, every byte. Run once per
 * transport and payload before timing starts.
 */
export function checkResultFully(payload: PayloadName, id: number, value: unknown): void {
  checkResult(payload, id, value);
  if (payload === 'records' && JSON.stringify(value) !== JSON.stringify(records)) {
    fail(payload, 'the records differ from the originals in some field', undefined);
  }
  if (payload === 'bodies' && Buffer.compare(value as Uint8Array, bodies) !== 0) {
    fail(payload, 'the bytes differ from the JSON of the records', undefined);
  }
  if (payload === 'binary' && Buffer.compare(value as Uint8Array, binary) !== 0) {
    fail(payload, 'the bytes differ from the originals', undefined);
  }
}

function fail(payload: PayloadName, what: string, got: unknown): never {
  const shown = got === undefined ? '' : `; got ${JSON.stringify(got)?.slice(0, 120)}`;
  throw new Error(`wrong ${payload} result: ${what}${shown}`);
}
