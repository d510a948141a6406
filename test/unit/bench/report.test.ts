import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../../bench/report/html.js';
import { renderMarkdown } from '../../../bench/report/markdown.js';
import type { BenchResults, ResultRow, SoakResult } from '../../../bench/results.js';

const MIB = 1024 * 1024;

function row(transport: string, payload: string, p50: number, rate: number): ResultRow {
  return {
    scenario: 'transport',
    transport,
    payload,
    p50_us: p50,
    p99_us: p50 * 3,
    calls_per_s: rate,
    samples: 100,
    p50_noise: 0,
    calls_per_s_noise: 0,
  };
}

const soak: SoakResult = {
  duration_s: 120,
  window: 64,
  calls: 700_000,
  calls_by_kind: { tiny: 400_000, 'binary zero-copy': 300_000 },
  arena_capacity_bytes: 16 * MIB,
  arena_peak_bytes: 3 * MIB,
  arena_bytes_after_drain: 0,
  rss_start_bytes: 200 * MIB,
  rss_middle_bytes: 210 * MIB,
  rss_end_bytes: 211 * MIB,
  rss_slope_mib_per_min: 0.25,
  samples: [],
};

function run(withSoak: boolean): BenchResults {
  return {
    meta: {
      date: '2026-12-05T00:00:00.000Z',
      berth_version: '0.1.0',
      node: 'v20.20.2',
      v8: '11.3',
      platform: 'linux',
      arch: 'x64',
      cpu: 'a <test> CPU',
      cores: 2,
      total_memory_gb: 8,
      loadavg_start: [0.5, 0.5, 0.5],
      loadavg_end: [0.5, 0.5, 0.5],
      quick: false,
      repeats: 3,
      window: 64,
      busy_threads: 2,
      commit: 'abc123def456',
      duration_s: 300,
    },
    results: [
      { ...row('berth thread', 'tiny', 10, 300_000), cpu_us: 12.5, cpu_us_pipelined: 4.25 },
      row('comlink', 'tiny', 40, 30_000),
      row('piscina', 'tiny', 50, 20_000),
      { ...row('berth thread', 'tiny', 25, 100_000), scenario: 'contended' },
    ],
    ...(withSoak ? { soak } : {}),
  };
}

describe('the bench reports', () => {
  it('show the soak and the targets in Markdown and in HTML alike', () => {
    const markdown = renderMarkdown(run(true));
    const html = renderHtml(run(true));
    expect(markdown).toContain(
      '| 0 B | 3.0 MiB | 16.0 MiB | 200.0 MiB | 210.0 MiB | 211.0 MiB | +0.25 MiB/min |',
    );
    expect(html).toContain('<td class="num">0 B</td><td class="num">3.0 MiB</td>');
    for (const text of [
      '700,000 calls (tiny 400,000, binary zero-copy 300,000).',
      '+0.25 MiB/min',
    ]) {
      expect(markdown).toContain(text);
      expect(html).toContain(text);
    }
    // The same target rows, with the same verdicts, in both.
    const comparison = 'berth thread tiny p50 ÷ comlink tiny p50';
    expect(markdown).toContain(`| ${comparison} | 0.250× | ≤ 0.50× | met |`);
    expect(html).toContain(
      `<td>${comparison}</td><td class="num">0.250×</td><td class="num">≤ 0.50×</td><td>met</td>`,
    );
    expect(html.match(/<td>(met|missed|not measured)<\/td>/g)).toHaveLength(
      markdown.match(/\| (met|missed|not measured) \|$/gm)?.length ?? -1,
    );
  });

  it('leave the soak out when none ran, and say the memory target was not measured', () => {
    const html = renderHtml(run(false));
    expect(html).not.toContain('memory soak');
    expect(html).toContain('<td>soak length</td><td class="num">—</td>');
    expect(html).toContain('the memory target needs <code>--soak</code>');
  });

  it('show the recovery of berth process and judge it in ms against its target', () => {
    const withRecovery = run(false);
    withRecovery.results.push({
      ...row('berth process', 'crash to next answer', 120_000, 0),
      scenario: 'recovery',
      p99_us: 180_000,
      calls_per_s: null,
    });
    const markdown = renderMarkdown(withRecovery);
    expect(markdown).toContain('| berth process | 120,000 | 180,000 | 100 |');
    expect(markdown).toContain(
      '| berth process crash to next answer p50 | 120 ms | ≤ 300 ms | met |',
    );
    expect(renderHtml(withRecovery)).toContain(
      '<td>berth process crash to next answer p50</td><td class="num">120 ms</td>',
    );
  });

  it('show CPU per call, the contended figures, p99 and sample counts as numbers', () => {
    const markdown = renderMarkdown(run(false));
    const html = renderHtml(run(false));
    expect(markdown).toContain('| berth thread | 10.0 | 30.0 | 300,000 | 12.5 | 4.25 | 100 / — |');
    expect(markdown).toContain('### contended: tiny with 2 busy thread(s) spinning on the cores');
    expect(markdown).toContain('| berth thread | 25.0 | 75.0 | 100,000 | — | — | 100 / — |');
    expect(html).toContain('<h2>contended: tiny with 2 busy thread(s) spinning on the cores</h2>');
    expect(html).toContain('<td class="num">30.0</td>');
    expect(html).toContain('CPU per call, one in flight');
    // The contended cells have no CPU figures: no CPU chart in their section.
    const contended = html.slice(html.indexOf('<h2>contended'));
    expect(contended.slice(0, contended.indexOf('</section>'))).not.toContain('CPU per call');
  });

  it('name the Berth version and commit, and carry a legend', () => {
    for (const report of [renderMarkdown(run(false)), renderHtml(run(false))]) {
      expect(report).toContain('Berth 0.1.0 (commit abc123def456)');
      expect(report).toContain('half the spread (max - min) of the repeats');
    }
    expect(renderHtml(run(false))).toContain('<h2>Legend</h2>');
  });

  it('say n/a for the noise of one repeat', () => {
    const once = run(false);
    once.results = once.results.map((r) => ({ ...r, p50_noise: null, calls_per_s_noise: null }));
    expect(renderMarkdown(once)).toMatch(/\| berth thread \| 10\.0 .*\| n\/a \|$/m);
    expect(renderMarkdown(once)).not.toContain('±0%');
  });

  it('leave a chart out when no row has its figure, and skip rows without one', () => {
    const html = renderHtml(run(false));
    expect(html).not.toContain('no figures');
    const recovery = run(false);
    recovery.results.push({
      ...row('berth thread', 'crash to next answer', 5_000, 0),
      scenario: 'recovery',
      calls_per_s: null,
    });
    expect(renderHtml(recovery)).not.toContain('<h2>recovery: crash to next answer</h2>');
  });

  it('escape what they quote in HTML', () => {
    const html = renderHtml(run(true));
    expect(html).toContain('a &lt;test&gt; CPU');
    expect(html).not.toContain('<test>');
  });
});
