/**
 * The child side of the HTTP/1.1 transport: a node:http server on 127.0.0.1, port chosen
 * by the system and reported to the parent over IPC once it listens.
 *
 *   GET /tiny/:id  -> application/json          {"ok":true,"id":…}
 *   GET /records   -> application/json          the 1,000 records
 *   GET /bodies    -> application/octet-stream  the records' JSON bytes, sent as they are
 *   GET /binary    -> application/octet-stream  the 1 MiB as raw bytes
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { payloadFor } from '../payloads.js';
import { readyMessage } from './wire.js';

if (process.send === undefined) throw new Error('http-server must be started with fork()');
const send = process.send.bind(process);

/** A Buffer view on a byte payload, made once: the bytes go out as they are, never copied. */
function bodyOf(payload: 'bodies' | 'binary'): Buffer {
  const bytes = payloadFor(payload, 0) as Uint8Array;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
const bodiesBody = bodyOf('bodies');
const binaryBody = bodyOf('binary');
const BYTES_TYPE = 'application/octet-stream';
const TINY_PATH = /^\/tiny\/(\d+)$/;
const JSON_TYPE = 'application/json';

type Answer = [status: number, type: string, body: Buffer | string];

/** The status, content type and body that answer `GET url`. */
function route(url: string): Answer {
  const tiny = TINY_PATH.exec(url);
  // JSON is encoded on every request, as every other transport encodes on every call.
  if (tiny !== null) return [200, JSON_TYPE, JSON.stringify(payloadFor('tiny', Number(tiny[1])))];
  if (url === '/records') return [200, JSON_TYPE, JSON.stringify(payloadFor('records', 0))];
  if (url === '/bodies') return [200, BYTES_TYPE, bodiesBody];
  if (url === '/binary') return [200, BYTES_TYPE, binaryBody];
  return [404, 'text/plain', 'not found'];
}

const server = createServer((req, res) => {
  const [status, type, body]: Answer =
    req.method === 'GET' ? route(req.url ?? '') : [405, 'text/plain', 'GET only'];
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength,
  });
  res.end(body);
});
// Node's default keep-alive timeout is 5 s: a pause between bench phases would let the
// server close sockets the client's agent is about to reuse ("socket hang up").
server.keepAliveTimeout = 60_000;

server.listen(0, '127.0.0.1', () => {
  send(readyMessage((server.address() as AddressInfo).port));
});
// The parent going away (closed, or crashed) closes the IPC channel: never outlive it.
process.once('disconnect', () => process.exit(0));
