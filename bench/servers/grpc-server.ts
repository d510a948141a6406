/**
 * The child side of the gRPC transport: a @grpc/grpc-js server on 127.0.0.1, port chosen
 * by the system and reported to the parent over IPC once bound.
 */
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { binary, bodies, records } from '../payloads.js';
import {
  loadBenchService,
  type Bytes,
  type Empty,
  type RecordList,
  type TinyReply,
  type TinyRequest,
} from './bench-proto.js';
import { readyMessage } from './wire.js';

if (process.send === undefined) throw new Error('grpc-server must be started with fork()');
const send = process.send.bind(process);

const server = new Server();
server.addService(loadBenchService(), {
  Tiny(call: ServerUnaryCall<TinyRequest, TinyReply>, callback: sendUnaryData<TinyReply>) {
    callback(null, { ok: true, id: call.request.id ?? 0 });
  },
  Records(_call: ServerUnaryCall<Empty, RecordList>, callback: sendUnaryData<RecordList>) {
    callback(null, { items: records });
  },
  Bodies(_call: ServerUnaryCall<Empty, Bytes>, callback: sendUnaryData<Bytes>) {
    callback(null, { data: bodies });
  },
  Binary(_call: ServerUnaryCall<Empty, Bytes>, callback: sendUnaryData<Bytes>) {
    callback(null, { data: binary });
  },
});

// Since grpc-js 1.10 a bound server serves at once (server.start() is deprecated).
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => {
  if (error !== null) throw error;
  send(readyMessage(port));
});
// The parent going away (closed, or crashed) closes the IPC channel: never outlive it.
process.once('disconnect', () => {
  server.forceShutdown();
  process.exit(0);
});
