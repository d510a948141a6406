// What the hostile-client tests share: a real service over sqlite-storage in a temporary
// folder, and a raw socket for HTTP that fetch refuses to send.
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import {
  DEFAULT_SERVICE_CONFIG,
  startService,
  type RunningService,
  type ServiceConfig,
} from '../../src/service/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** A started service and the folder it keeps its data in; `stop` removes both. */
export interface HostileTarget {
  readonly service: RunningService;
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts `berth serve` on a free port with sqlite-storage in a fresh temporary folder. */
export async function startTarget(overrides: Partial<ServiceConfig> = {}): Promise<HostileTarget> {
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-hostile-'));
  const service = await startService(
    {
      ...DEFAULT_SERVICE_CONFIG,
      port: 0,
      dataDir,
      plugins: [join(root, 'plugins')],
      storage: { name: 'sqlite-storage', config: {} },
      ...overrides,
    },
    pino({ level: 'silent' }),
  );
  return {
    service,
    url: service.url,
    async stop() {
      await service.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** An HTTP answer read off a raw socket. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** The server closed the connection after answering. */
  readonly closed: boolean;
}

/**
 * Sends `chunks` on a fresh connection to `url` (a `number` in the list pauses that many
 * ms) and reads until the server closes it, or until `waitMs` has passed: then `closed`
 * is false and whatever arrived is parsed.
 */
export async function sendRaw(
  url: string,
  chunks: (string | Buffer | number)[],
  waitMs = 5000,
): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  const received: Buffer[] = [];
  socket.on('data', (data: Buffer) => received.push(data));
  const closed = new Promise<boolean>((resolve) => {
    socket.on('close', () => resolve(true));
    socket.on('error', () => undefined);
    setTimeout(() => resolve(false), waitMs).unref();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  for (const chunk of chunks) {
    if (typeof chunk === 'number') await new Promise((resolve) => setTimeout(resolve, chunk));
    else if (!socket.destroyed) socket.write(chunk);
  }
  const wasClosed = await closed;
  socket.destroy();
  return { ...parseAnswer(Buffer.concat(received).toString('latin1')), closed: wasClosed };
}

function parseAnswer(text: string): Omit<RawAnswer, 'closed'> {
  const end = text.indexOf('\r\n\r\n');
  const head = end === -1 ? text : text.slice(0, end);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0),
    headers,
    body: end === -1 ? '' : text.slice(end + 4),
  };
}

/** `PUT` of a JSON body with the headers a well-behaved client sends. */
export function putJson(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
}

/**
 * One request with any headers at all (fetch will not send a foreign `Host`); resolves
 * with the status and the JSON answer.
 */
export function send(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(new URL(path, url), { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, json: JSON.parse(text) as never });
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}
