/**
 * gRPC on loopback: a @grpc/grpc-js server in a child process, four unary methods from
 * bench/servers/bench.proto, over one HTTP/2 connection. What a plugin behind a gRPC API
 * (HashiCorp go-plugin's model) costs per call. Loaded only when the gRPC peer opens
 * (./grpc.ts): @grpc/* are devDependencies, absent from an installed package.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client, credentials, type MethodDefinition } from '@grpc/grpc-js';
import type { PayloadName } from '../payloads.js';
import type { Transport } from '../transport.js';
import { loadBenchService, type BenchService } from '../servers/bench-proto.js';
import { createPendingCalls, type PendingCalls } from './pending-calls.js';
import { stopChild } from './stop-child.js';
import { waitForReady } from './wait-for-ready.js';

const NAME = 'gRPC';
const SERVER = fileURLToPath(new URL('../servers/grpc-server.js', import.meta.url));
const CONNECT_TIMEOUT_MS = 10_000;

/** Makes one unary call and settles call `id` with the reply, unwrapped by `unwrap`. */
function unary<Req, Res>(
  client: Client,
  method: MethodDefinition<Req, Res>,
  request: Req,
  unwrap: (reply: Res) => unknown,
  id: number,
  pending: PendingCalls,
): void {
  // What a client made by loadPackageDefinition does for each method, without the
  // dynamically named (and so untyped) methods.
  client.makeUnaryRequest(
    method.path,
    method.requestSerialize,
    method.responseDeserialize,
    request,
    (error, reply) => {
      if (error !== null || reply === undefined) pending.reject(id, error ?? new Error('no reply'));
      else pending.resolve(id, unwrap(reply));
    },
  );
}

/** Sends call `id` for `payload` as the matching unary method, unwrapped into the payload's shape. */
function send(
  client: Client,
  service: BenchService,
  payload: PayloadName,
  id: number,
  pending: PendingCalls,
): void {
  // Proto3 does not send default values: a zero id or a false ok decodes as absent.
  if (payload === 'tiny')
    unary(client, service.Tiny, { id }, (r) => ({ ok: r.ok ?? false, id: r.id ?? 0 }), id, pending);
  else if (payload === 'records') unary(client, service.Records, {}, (r) => r.items, id, pending);
  else if (payload === 'bodies') unary(client, service.Bodies, {}, (r) => r.data, id, pending);
  else unary(client, service.Binary, {}, (r) => r.data, id, pending);
}

/** A transport that makes one unary gRPC call per call, all multiplexed on one channel. */
export function createGrpcClientTransport(): Transport {
  const pending = createPendingCalls(NAME);
  const service = loadBenchService();
  let child: ChildProcess | undefined;
  let client: Client | undefined;

  return {
    name: NAME,
    async open() {
      child = fork(SERVER);
      pending.failOn(child, 'the server process');
      const { port } = await waitForReady(child, NAME);
      if (port === undefined) throw new Error(`${NAME}: the server did not say its port`);
      const connected = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
      client = connected;
      await new Promise<void>((resolve, reject) => {
        connected.waitForReady(Date.now() + CONNECT_TIMEOUT_MS, (error) => {
          if (error === undefined) resolve();
          else reject(new Error(`${NAME}: could not connect to the server`, { cause: error }));
        });
      });
    },
    call(payload, id) {
      return pending.add(id, () => {
        if (client === undefined) throw new Error('not open');
        send(client, service, payload, id, pending);
      });
    },
    childPids: () => (child?.pid === undefined ? [] : [child.pid]),
    async close() {
      pending.failAll('closed');
      client?.close();
      await stopChild(child);
    },
  };
}
