/**
 * The gRPC service both sides load from `bench.proto`, and its message shapes.
 *
 * The loader options are the ones the brief asked for except `defaults`: with
 * `defaults: true`, proto-loader's toObject sets map fields before the others, so a
 * decoded record comes back with `metadata.labels` first and its JSON no longer equals
 * the original's. Every record field is set (no default values), so nothing is lost;
 * only an unset scalar (a zero id, a false ok) comes back absent, and the client fills
 * those in itself.
 */
import { fileURLToPath } from 'node:url';
import { loadSync, type Options } from '@grpc/proto-loader';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import type { BenchRecord } from '../payloads.js';

// The .proto is not compiled: the build copies it next to the compiled module.
const PROTO = fileURLToPath(new URL('./bench.proto', import.meta.url));
const OPTIONS: Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: false,
  oneofs: true,
};

/** `TinyRequest`: a zero `id` decodes as absent (proto3 does not send default values). */
export interface TinyRequest {
  id?: number;
}
/** `TinyReply`, decoded: `ok: false` and `id: 0` come back absent. */
export interface TinyReply {
  ok?: boolean;
  id?: number;
}
/** `Empty`. */
export type Empty = Record<string, never>;
/** `RecordList`. */
export interface RecordList {
  items: readonly BenchRecord[];
}
/** `Bytes`: a Buffer once decoded. */
export interface Bytes {
  data: Uint8Array;
}

/** The `bench.Bench` service: its four unary methods, typed. */
export interface BenchService extends ServiceDefinition {
  Tiny: MethodDefinition<TinyRequest, TinyReply>;
  Records: MethodDefinition<Empty, RecordList>;
  Bodies: MethodDefinition<Empty, Bytes>;
  Binary: MethodDefinition<Empty, Bytes>;
}

/** Loads `bench.proto` (synchronously, once per caller) and returns the service. */
export function loadBenchService(): BenchService {
  const service = loadSync(PROTO, OPTIONS)['bench.Bench'];
  if (service === undefined || !('Tiny' in service))
    throw new Error(`no bench.Bench service in ${PROTO}`);
  return service as unknown as BenchService;
}
