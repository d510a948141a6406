/**
 * Runs the suite: opens every transport, warms each cell up (checking its result in
 * full), then measures in rounds so that repeats interleave (a slow moment of the machine
 * spreads over all transports instead of landing on one), each round in a different
 * order, and reduces the repeats to medians and a noise figure. Tiny calls are measured
 * twice: on a quiet machine, and contended, with busy threads spinning beside them.
 */
import { loadavg } from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createBerthTransport,
  createBerthZeroCopyTransport,
  createInProcessTransport,
} from './berth-transports.js';
import { cellRow, makeCell, measureCell, roundOrder, type Cell } from './cells.js';
import { openHttpScenario } from './e2e-http.js';
import { openStorageScenario } from './e2e-storage.js';
import type { CallWithCheck, Probe } from './measure.js';
import { measureRecoveryRows } from './recovery.js';
import { checkResult, checkResultFully, PAYLOADS, type PayloadName } from './payloads.js';
import { processPeerTransports, threadPeerTransports } from './peers/index.js';
import type { Plan } from './plan.js';
import { createProgress } from './progress.js';
import type { BenchResults, ResultRow } from './results.js';
import { runMeta } from './run-meta.js';
import {
  callAndCheck,
  TransportUnavailable,
  type PendingTransport,
  type Transport,
} from './transport.js';

/** Which cells to run: a term naming a payload restricts payloads, any other term transports. */
export interface Selection {
  terms: string[];
}

const E2E_PAYLOAD = 'storage list of 1,000';
const HTTP_PAYLOAD = 'HTTP GET list of 1,000 (berth serve, sqlite-storage)';

/** The probe of `payload` through `transport`: the same harness call for every row. */
function transportProbe(transport: Transport, payload: PayloadName): Probe {
  return {
    run: (id) => callAndCheck(transport, payload, id, (value) => checkResult(payload, id, value)),
    childPids: () => transport.childPids?.() ?? [],
  };
}

/** The probe of an end-to-end scenario, served in this process. */
function scenarioProbe(scenario: CallWithCheck): Probe {
  return {
    run: async (id) => scenario.check(id, await scenario.call(id)),
    childPids: () => [],
  };
}

/** The row of a transport that did not run: pending, or unavailable here. */
function notRunRow(transport: string, payload: string, why: string): ResultRow {
  return {
    scenario: 'transport',
    transport,
    payload,
    p50_us: null,
    p99_us: null,
    calls_per_s: null,
    samples: 0,
    p50_noise: null,
    calls_per_s_noise: null,
    pending: why,
  };
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
  const notRun: ResultRow[] = chosen
    .filter((t): t is PendingTransport => 'pending' in t)
    .flatMap((t) => payloads.map((payload) => notRunRow(t.name, payload, t.pending)));
  const opened: Transport[] = [];
  const scenarios: { close(): Promise<void> }[] = [];
  const recovered: ResultRow[] = [];
  const cells: Cell[] = [];
  const contended: Cell[] = [];

  try {
    for (const transport of transports) {
      process.stderr.write(`opening ${transport.name}\n`);
      // Closed at the end even when its open fails: close is safe after a failed open.
      opened.push(transport);
      try {
        await transport.open();
      } catch (error) {
        if (!(error instanceof TransportUnavailable)) throw error;
        process.stderr.write(`skipping ${transport.name}: ${error.message}\n`);
        notRun.push(...payloads.map((p) => notRunRow(transport.name, p, error.message)));
        continue;
      }
      for (const payload of payloads) {
        checkResultFully(payload, 0, await transport.call(payload, 0));
        cells.push(transportCell(plan, transport, payload, 'transport'));
        if (payload === 'tiny' && plan.contention.busyThreads > 0)
          contended.push(transportCell(plan, transport, payload, 'contended'));
      }
    }
    cells.push(...contended);
    if (payloadTerms.length === 0)
      cells.push(...(await openScenarios(plan, dataDir, wantTransport, scenarios)));

    await measureRounds(plan, cells);
    if (payloadTerms.length === 0) {
      const recoveryDir = join(dataDir, 'recovery');
      recovered.push(
        ...(await measureRecoveryRows(plan.recoverySamples, wantTransport, recoveryDir)),
      );
    }
  } finally {
    await Promise.allSettled([...opened.map((t) => t.close()), ...scenarios.map((s) => s.close())]);
    await rm(dataDir, { recursive: true, force: true });
  }

  const results: ResultRow[] = [...cells.map(cellRow), ...notRun, ...recovered];
  const order = (row: ResultRow): number => candidates.findIndex((t) => t.name === row.transport);
  const scenarioRank = (row: ResultRow): number =>
    ['transport', 'contended', 'e2e', 'recovery'].indexOf(row.scenario);
  results.sort((a, b) => scenarioRank(a) - scenarioRank(b) || order(a) - order(b));
  return { meta: runMeta(plan, started, loadStart), results };
}

/**
 * The cell of `payload` through `transport`, quiet or contended. A contended cell is
 * warmed up by its quiet twin and measured in the same rounds.
 */
function transportCell(
  plan: Plan,
  transport: Transport,
  payload: PayloadName,
  scenario: 'transport' | 'contended',
): Cell {
  const base = {
    scenario,
    transport: transport.name,
    payload,
    probe: transportProbe(transport, payload),
    failed: transport.failed,
  };
  if (scenario === 'contended') return makeCell({ ...base, warmup: 0, ...plan.contention });
  return makeCell({
    ...base,
    warmup: plan.warmup[payload],
    latency: plan.latency[payload],
    throughput: plan.throughput[payload],
    busyThreads: 0,
  });
}

/** Opens the end-to-end scenarios of the selected Berth isolations; adds them to `opened`. */
async function openScenarios(
  plan: Plan,
  dataDir: string,
  wantTransport: (name: string) => boolean,
  opened: { close(): Promise<void> }[],
): Promise<Cell[]> {
  const cells: Cell[] = [];
  for (const isolation of ['inline', 'thread'] as const) {
    if (!wantTransport(`berth ${isolation}`)) continue;
    process.stderr.write(`opening the storage scenario (berth ${isolation})\n`);
    const scenario = await openStorageScenario(isolation, join(dataDir, `e2e-${isolation}`));
    opened.push(scenario);
    cells.push(e2eCell(plan, scenario.name, E2E_PAYLOAD, scenarioProbe(scenario)));
  }
  for (const isolation of ['inline', 'thread'] as const) {
    if (!wantTransport(`berth ${isolation}`)) continue;
    process.stderr.write(`opening berth serve on sqlite-storage (${isolation})\n`);
    const mode = isolation === 'thread' ? 'production' : 'development';
    const dir = join(dataDir, `http-${isolation}`);
    const scenario = await openHttpScenario('sqlite-storage', mode, dir);
    opened.push(scenario);
    cells.push(e2eCell(plan, scenario.name, HTTP_PAYLOAD, scenarioProbe(scenario)));
  }
  return cells;
}

/** An end-to-end cell: measured like the 1,000 records, quiet. */
function e2eCell(plan: Plan, transport: string, payload: string, probe: Probe): Cell {
  return makeCell({
    scenario: 'e2e',
    transport,
    payload,
    probe,
    failed: undefined,
    warmup: plan.warmup.records,
    latency: plan.latency.records,
    throughput: plan.throughput.records,
    busyThreads: 0,
  });
}

/** Warms every cell up, then measures `plan.repeats` rounds, each in its own order. */
async function measureRounds(plan: Plan, cells: readonly Cell[]): Promise<void> {
  const progress = createProgress(cells.length * (plan.repeats * 2 + 1));
  for (const c of cells) {
    progress.step(`warm-up  ${c.payload}  ${c.transport}`);
    for (let i = 0; i < c.warmup; i += 1) await c.probe.run(i);
  }
  for (let round = 0; round < plan.repeats; round += 1) {
    for (const c of roundOrder(cells, round, plan.repeats)) {
      const where = c.scenario === 'contended' ? `${c.payload}, contended` : c.payload;
      await measureCell(c, plan.window, (what) =>
        progress.step(`round ${round + 1}/${plan.repeats}  ${where}  ${c.transport}  ${what}`),
      );
    }
  }
  progress.done();
}
