/**
 * Runs the suite: opens every transport, warms each cell up (checking its result in
 * full), then measures in rounds so that repeats interleave (a slow moment of the machine
 * spreads over all transports instead of landing on one), and reduces the repeats to
 * medians and a noise figure.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BERTH_VERSION } from '../src/index.js';
import {
  createBerthTransport,
  createBerthZeroCopyTransport,
  createInProcessTransport,
} from './berth-transports.js';
import { openHttpScenario } from './e2e-http.js';
import { openStorageScenario } from './e2e-storage.js';
import { measureLatency, measureThroughput, type Probe } from './measure.js';
import { measureRecoveryRows } from './recovery.js';
import { checkResult, checkResultFully, PAYLOADS, type PayloadName } from './payloads.js';
import { processPeerTransports, threadPeerTransports } from './peers/index.js';
import type { Plan } from './plan.js';
import { createProgress } from './progress.js';
import type { BenchResults, ResultRow } from './results.js';
import { median, spread } from './stats.js';
import type { PendingTransport, Transport } from './transport.js';

/** Which cells to run: a term naming a payload restricts payloads, any other term transports. */
export interface Selection {
  terms: string[];
}

interface Cell {
  scenario: ResultRow['scenario'];
  transport: string;
  payload: string;
  probe: Probe;
  warmup: number;
  latency: Plan['latency'][PayloadName];
  throughput: Plan['throughput'][PayloadName];
  p50: number[];
  p99: number[];
  rates: number[];
  samples: number;
}

const E2E_PAYLOAD = 'storage list of 1,000';
const HTTP_PAYLOAD = 'HTTP GET list of 1,000 (berth serve, sqlite-storage)';

/** A full collection when node runs with --expose-gc (npm run bench does), else nothing. */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Runs the plan over the selected transports; resolves with every figure. */
export async function runSuite(plan: Plan, selection: Selection): Promise<BenchResults> {
  const started = Date.now();
  const loadStart = loadavg();
  const dataDir = await mkdtemp(join(tmpdir(), 'berth-bench-'));
  const terms = selection.terms.map((term) => term.toLowerCase());
  const payloadTerms = terms.filter((term) => (PAYLOADS as readonly string[]).includes(term));
  const transportTerms = terms.filter((term) => !payloadTerms.includes(term));
  const wantTransport = (name: string): boolean =>
    transportTerms.length === 0 || transportTerms.some((term) => name.toLowerCase().includes(term));
  const payloads = PAYLOADS.filter((p) => payloadTerms.length === 0 || payloadTerms.includes(p));

  const candidates: (Transport | PendingTransport)[] = [
    createInProcessTransport(),
    createBerthTransport('inline', join(dataDir, 'inline')),
    createBerthTransport('thread', join(dataDir, 'thread')),
    createBerthZeroCopyTransport(join(dataDir, 'thread-zero-copy')),
    createBerthTransport('pool', join(dataDir, 'pool')),
    ...threadPeerTransports.map((make) => make()),
    // Next to the peers that cross a process boundary too.
    createBerthTransport('process', join(dataDir, 'process')),
    ...processPeerTransports.map((make) => make()),
  ];
  const chosen = candidates.filter((t) => wantTransport(t.name));
  const transports = chosen.filter((t): t is Transport => !('pending' in t));
  const pending = chosen.filter((t): t is PendingTransport => 'pending' in t);
  const scenarios: { close(): Promise<void> }[] = [];
  const recovered: ResultRow[] = [];
  const cells: Cell[] = [];
  const cell = (
    scenario: Cell['scenario'],
    transport: string,
    payload: string,
    probe: Probe,
    budget: PayloadName,
  ): Cell => ({
    scenario,
    transport,
    payload,
    probe,
    warmup: plan.warmup[budget],
    latency: plan.latency[budget],
    throughput: plan.throughput[budget],
    p50: [],
    p99: [],
    rates: [],
    samples: 0,
  });

  try {
    for (const transport of transports) {
      process.stderr.write(`opening ${transport.name}\n`);
      await transport.open();
      for (const payload of payloads) {
        const probe: Probe = {
          call: (id) => transport.call(payload, id),
          check: (id, value) => checkResult(payload, id, value),
        };
        checkResultFully(payload, 0, await transport.call(payload, 0));
        cells.push(cell('transport', transport.name, payload, probe, payload));
      }
    }
    if (payloadTerms.length === 0) {
      for (const isolation of ['inline', 'thread'] as const) {
        if (!wantTransport(`berth ${isolation}`)) continue;
        process.stderr.write(`opening the storage scenario (berth ${isolation})\n`);
        const scenario = await openStorageScenario(isolation, join(dataDir, `e2e-${isolation}`));
        scenarios.push(scenario);
        cells.push(cell('e2e', scenario.name, E2E_PAYLOAD, scenario, 'records'));
      }
      for (const isolation of ['inline', 'thread'] as const) {
        if (!wantTransport(`berth ${isolation}`)) continue;
        process.stderr.write(`opening berth serve on sqlite-storage (${isolation})\n`);
        const mode = isolation === 'thread' ? 'production' : 'development';
        const scenario = await openHttpScenario(
          'sqlite-storage',
          mode,
          join(dataDir, `http-${isolation}`),
        );
        scenarios.push(scenario);
        cells.push(cell('e2e', scenario.name, HTTP_PAYLOAD, scenario, 'records'));
      }
    }

    const progress = createProgress(cells.length * (plan.repeats * 2 + 1));
    for (const c of cells) {
      progress.step(`warm-up  ${c.payload}  ${c.transport}`);
      for (let i = 0; i < c.warmup; i += 1) c.probe.check(i, await c.probe.call(i));
    }
    for (let round = 1; round <= plan.repeats; round += 1) {
      for (const c of cells) {
        // Each cell starts from a collected heap, so one cell's garbage does not bill the next.
        collectGarbage();
        progress.step(`round ${round}/${plan.repeats}  ${c.payload}  ${c.transport}  latency`);
        const latency = await measureLatency(c.probe, c.latency);
        c.p50.push(latency.p50_us);
        c.p99.push(latency.p99_us);
        c.samples += latency.samples;
        progress.step(`round ${round}/${plan.repeats}  ${c.payload}  ${c.transport}  throughput`);
        c.rates.push(await measureThroughput(c.probe, plan.window, c.throughput));
      }
    }
    progress.done();
    if (payloadTerms.length === 0) {
      recovered.push(
        ...(await measureRecoveryRows(
          plan.recoverySamples,
          wantTransport,
          join(dataDir, 'recovery'),
        )),
      );
    }
  } finally {
    await Promise.allSettled([
      ...transports.map((t) => t.close()),
      ...scenarios.map((s) => s.close()),
    ]);
    await rm(dataDir, { recursive: true, force: true });
  }

  const results: ResultRow[] = cells.map((c) => ({
    scenario: c.scenario,
    transport: c.transport,
    payload: c.payload,
    p50_us: median(c.p50),
    p99_us: median(c.p99),
    calls_per_s: median(c.rates),
    samples: c.samples,
    p50_noise: spread(c.p50),
    calls_per_s_noise: spread(c.rates),
  }));
  for (const t of pending) {
    for (const payload of payloads) {
      results.push({
        scenario: 'transport',
        transport: t.name,
        payload,
        p50_us: null,
        p99_us: null,
        calls_per_s: null,
        samples: 0,
        p50_noise: 0,
        calls_per_s_noise: 0,
        pending: t.pending,
      });
    }
  }
  const order = (row: ResultRow): number => candidates.findIndex((t) => t.name === row.transport);
  results.push(...recovered);
  const scenarioRank = (row: ResultRow): number =>
    ['transport', 'e2e', 'recovery'].indexOf(row.scenario);
  results.sort((a, b) => scenarioRank(a) - scenarioRank(b) || order(a) - order(b));
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return {
    meta: {
      date: new Date(started).toISOString(),
      berth_version: BERTH_VERSION,
      node: process.version,
      v8: process.versions.v8,
      platform: process.platform,
      arch: process.arch,
      cpu,
      cores: cpus().length,
      total_memory_gb: Math.round(totalmem() / 2 ** 30),
      loadavg_start: loadStart,
      loadavg_end: loadavg(),
      quick: plan.quick,
      repeats: plan.repeats,
      window: plan.window,
      duration_s: (Date.now() - started) / 1000,
    },
    results,
  };
}
