/**
 * The end-to-end figure over HTTP: `GET` a list of 1,000 resources from `berth serve`
 * with its storage plugin in a worker thread (production) against the same plugin inline
 * (development). The client is node:http with a keep-alive agent; each answer is checked
 * by size (and once in full).
 */
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { DEFAULT_SERVICE_CONFIG, startService, type RunningService } from '../src/service/index.js';
import type { CallWithCheck } from './measure.js';
import { makeRecord, RECORD_COUNT } from './payloads.js';

const pluginsDir = fileURLToPath(new URL('../../plugins/', import.meta.url));

/** An opened HTTP scenario. */
export interface HttpScenario extends CallWithCheck {
  readonly name: string;
  close(): Promise<void>;
}

function send(
  agent: Agent,
  url: string,
  method: string,
  body?: string,
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, agent, headers: body === undefined ? {} : { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Starts the service on `storage` in `mode` and fills it with the 1,000 records. */
export async function openHttpScenario(
  storage: string,
  mode: 'production' | 'development',
  dataDir: string,
): Promise<HttpScenario> {
  const service: RunningService = await startService(
    {
      ...DEFAULT_SERVICE_CONFIG,
      port: 0,
      dataDir,
      plugins: [pluginsDir],
      mode,
      storage: { name: storage, config: {} },
      logLevel: 'warn',
    },
    pino({ level: 'warn' }, pino.destination(2)),
  );
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const base = `${service.url}/v1/resources/bench/apps/v1/deployments`;
  for (let i = 0; i < RECORD_COUNT; i += 1) {
    const record = makeRecord(i);
    const put = await send(
      agent,
      `${base}/${record.metadata.namespace}/${record.metadata.name}`,
      'PUT',
      JSON.stringify(record),
    );
    if (put.status !== 201)
      throw new Error(`seeding failed with HTTP ${put.status}: ${put.body.toString()}`);
  }
  const first = await send(agent, base, 'GET');
  const items = (JSON.parse(first.body.toString()) as { items: unknown[] }).items;
  if (first.status !== 200 || items.length !== RECORD_COUNT)
    throw new Error(`wrong list: HTTP ${first.status}, ${items.length} items`);
  const size = first.body.byteLength;
  return {
    name: mode === 'production' ? 'berth thread' : 'berth inline',
    call: () => send(agent, base, 'GET'),
    check(_id, value) {
      const answer = value as { status: number; body: Buffer };
      if (answer.status !== 200 || answer.body.byteLength !== size) {
        throw new Error(
          `wrong list over HTTP: ${answer.status}, ${answer.body.byteLength} bytes instead of ${size}`,
        );
      }
    },
    async close() {
      agent.destroy();
      await service.close();
    },
  };
}
