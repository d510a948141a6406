/**
 * HTTP/1.1 on loopback with keep-alive: a node:http server in a child process, asked by
 * node:http with a keep-alive agent. What a plugin behind a local HTTP API costs.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, get } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Transport } from '../transport.js';
import { createPendingCalls, type PendingCalls } from './pending-calls.js';
import { stopChild } from './stop-child.js';
import { waitForReady } from './wait-for-ready.js';

const NAME = 'HTTP/1.1 keep-alive';
const SERVER = fileURLToPath(new URL('../servers/http-server.js', import.meta.url));

/** GETs `path` on 127.0.0.1:`port` and settles call `id` with the body: parsed JSON, or the raw bytes. */
function request(
  agent: Agent,
  port: number,
  path: string,
  id: number,
  pending: PendingCalls,
): void {
  const req = get({ host: '127.0.0.1', port, path, agent }, (res) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('error', (error) => pending.reject(id, error));
    res.on('end', () => {
      const body = Buffer.concat(chunks);
      if (res.statusCode !== 200) {
        pending.reject(id, new Error(`GET ${path}: ${res.statusCode} ${body.toString()}`));
      } else if (res.headers['content-type'] !== 'application/json') {
        pending.resolve(id, body);
      } else {
        try {
          pending.resolve(id, JSON.parse(body.toString()) as unknown);
        } catch (error) {
          pending.reject(id, error);
        }
      }
    });
  });
  req.on('error', (error) => pending.reject(id, error));
}

/** A transport that answers each call with one GET on a keep-alive connection (up to 64 open). */
export function createHttpTransport(): Transport {
  const pending = createPendingCalls(NAME);
  // One socket per call in flight, reused across calls: the harness keeps up to 64 in flight.
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let child: ChildProcess | undefined;
  let port: number | undefined;

  return {
    name: NAME,
    async open() {
      child = fork(SERVER);
      pending.failOn(child, 'the server process');
      ({ port } = await waitForReady(child, NAME));
      if (port === undefined) throw new Error(`${NAME}: the server did not say its port`);
    },
    call(payload, id) {
      return pending.add(id, () => {
        if (port === undefined) throw new Error('not open');
        request(agent, port, payload === 'tiny' ? `/tiny/${id}` : `/${payload}`, id, pending);
      });
    },
    childPids: () => (child?.pid === undefined ? [] : [child.pid]),
    async close() {
      pending.failAll('closed');
      agent.destroy();
      await stopChild(child);
    },
  };
}
