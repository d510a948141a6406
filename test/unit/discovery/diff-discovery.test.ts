import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import {
  createDiffState,
  diffDiscovery,
  type DiffState,
  type DiscoveredPlugin,
  type DiscoveryProblem,
  type DiscoveryResult,
  type PluginDirEvent,
} from '../../../src/discovery/index.js';
import { BerthError, codes, type BerthErrorCode } from '../../../src/errors.js';
import { parseManifest } from '../../../src/manifest/index.js';
import { manifestFor } from '../../fixtures/discovery/plugin-folders.js';

// Pure: results are built by hand, no folder is ever read.
const ROOT = join('/', 'srv', 'plugins');
const folder = (name: string): string => join(ROOT, name);

function plugin(dirName: string, name = dirName, version = '1.0.0'): DiscoveredPlugin {
  const dir = folder(dirName);
  const manifestPath = join(dir, 'plugin.json');
  return {
    manifest: parseManifest(manifestFor(name, { version }), manifestPath),
    dir,
    manifestPath,
    mainPath: join(dir, 'dist', 'index.js'),
    source: 'dir',
  };
}

function problem(
  dir: string,
  code: BerthErrorCode = codes.MANIFEST_INVALID,
  message = 'main is missing',
  data?: Record<string, unknown>,
): DiscoveryProblem {
  return { dir, error: new BerthError(code, message, { data }), source: 'dir' };
}

const result = (
  plugins: DiscoveredPlugin[] = [],
  problems: DiscoveryProblem[] = [],
): DiscoveryResult => ({ plugins, problems });

/** A short description of each event, to compare whole sequences. */
function describeEvents(events: readonly PluginDirEvent[]): string[] {
  return events.map((event) => {
    switch (event.type) {
      case 'added':
      case 'removed':
        return `${event.type} ${event.plugin.manifest.name}@${event.plugin.manifest.version}`;
      case 'changed':
        return `changed ${event.plugin.manifest.name} ${event.previous.manifest.version} -> ${event.plugin.manifest.version}`;
      case 'problem':
        return `problem ${event.problem.dir} ${event.problem.error.code}`;
    }
  });
}

/** Feeds scans in order; returns the events of each and the final state. */
function run(
  state: DiffState,
  scans: readonly DiscoveryResult[],
): { events: string[][]; settled: boolean[]; state: DiffState } {
  const events: string[][] = [];
  const settled: boolean[] = [];
  let current = state;
  for (const scan of scans) {
    const outcome = diffDiscovery(current, { result: scan });
    current = outcome.state;
    events.push(describeEvents(outcome.events));
    settled.push(outcome.settled);
  }
  return { events, settled, state: current };
}

describe('diffDiscovery', () => {
  it('reports a plugin as added only once two scans in a row agree on it', () => {
    const scan = result([plugin('alpha')]);
    const { events, settled } = run(createDiffState(result()), [scan, scan, scan]);
    expect(events).toEqual([[], ['added alpha@1.0.0'], []]);
    expect(settled).toEqual([false, true, true]);
  });

  it('reports everything found as added after the first settled scan when there is no baseline', () => {
    const scan = result([plugin('alpha'), plugin('beta')]);
    const { events } = run(createDiffState(), [scan, scan]);
    expect(events).toEqual([[], ['added alpha@1.0.0', 'added beta@1.0.0']]);
  });

  it('does not report what the baseline already holds', () => {
    const baseline = result([plugin('alpha')], [problem(folder('broken'))]);
    const { events, settled } = run(createDiffState(baseline), [baseline, baseline]);
    expect(events).toEqual([[], []]);
    expect(settled).toEqual([true, true]);
  });

  it('reports a version change in place as changed, with both versions', () => {
    const baseline = result([plugin('alpha')]);
    const upgraded = result([plugin('alpha', 'alpha', '2.0.0')]);
    const { events } = run(createDiffState(baseline), [upgraded, upgraded, upgraded]);
    expect(events).toEqual([[], ['changed alpha 1.0.0 -> 2.0.0'], []]);
  });

  it('does not report a folder that is missing for one scan only (a replace in progress)', () => {
    const baseline = result([plugin('alpha')]);
    const { events } = run(createDiffState(baseline), [result(), baseline, baseline]);
    expect(events).toEqual([[], [], []]);
  });

  it('reports a folder gone for two scans in a row as removed, once', () => {
    const baseline = result([plugin('alpha'), plugin('beta')]);
    const gone = result([plugin('beta')]);
    const { events } = run(createDiffState(baseline), [gone, gone, gone]);
    expect(events).toEqual([[], ['removed alpha@1.0.0'], []]);
  });

  it('never reports a half-copied folder (its main file missing) as added until it is complete', () => {
    const incomplete = result([], [problem(folder('alpha'))]);
    const complete = result([plugin('alpha')]);
    const { events } = run(createDiffState(result()), [
      incomplete,
      incomplete,
      incomplete,
      complete,
      complete,
    ]);
    expect(events).toEqual([
      [],
      [`problem ${folder('alpha')} ${codes.MANIFEST_INVALID}`],
      [],
      [],
      ['added alpha@1.0.0'],
    ]);
  });

  it('reports a broken drop-in once per distinct error, not at every scan', () => {
    const first = result([], [problem(folder('bad'), codes.MANIFEST_PARSE, 'not JSON')]);
    const second = result([], [problem(folder('bad'), codes.MANIFEST_INVALID, 'no version')]);
    const { events } = run(createDiffState(result()), [
      first,
      first,
      first,
      second,
      second,
      second,
    ]);
    expect(events).toEqual([
      [],
      [`problem ${folder('bad')} ${codes.MANIFEST_PARSE}`],
      [],
      [],
      [`problem ${folder('bad')} ${codes.MANIFEST_INVALID}`],
      [],
    ]);
  });

  it('tells a problem again when it comes back after being fixed', () => {
    const broken = result([], [problem(folder('alpha'))]);
    const fixed = result([plugin('alpha')]);
    const { events } = run(createDiffState(result()), [
      broken,
      broken,
      fixed,
      fixed,
      broken,
      broken,
    ]);
    expect(events.flat()).toEqual([
      `problem ${folder('alpha')} ${codes.MANIFEST_INVALID}`,
      'added alpha@1.0.0',
      `problem ${folder('alpha')} ${codes.MANIFEST_INVALID}`,
    ]);
  });

  it('keeps a running plugin whose folder breaks: a problem, never removed; a fix with a new version is a change', () => {
    const baseline = result([plugin('alpha')]);
    const broken = result([], [problem(folder('alpha'))]);
    const sameVersion = result([plugin('alpha')]);
    const newVersion = result([plugin('alpha', 'alpha', '1.1.0')]);
    const { events } = run(createDiffState(baseline), [
      broken,
      broken,
      broken,
      sameVersion,
      sameVersion,
      broken,
      broken,
      newVersion,
      newVersion,
    ]);
    expect(events.flat()).toEqual([
      `problem ${folder('alpha')} ${codes.MANIFEST_INVALID}`,
      `problem ${folder('alpha')} ${codes.MANIFEST_INVALID}`,
      'changed alpha 1.0.0 -> 1.1.0',
    ]);
  });

  it('keeps the running plugin when a second folder of the same name is dropped in', () => {
    const baseline = result([plugin('alpha')]);
    const dirs = [folder('alpha'), folder('alpha-2')];
    const duplicate = result(
      [],
      [problem(folder('alpha'), codes.PLUGIN_DUPLICATE, '2 plugins are named "alpha"', { dirs })],
    );
    const { events } = run(createDiffState(baseline), [duplicate, duplicate, duplicate]);
    expect(events.flat()).toEqual([`problem ${folder('alpha')} ${codes.PLUGIN_DUPLICATE}`]);
  });

  it('keeps the plugins of a plugin directory that cannot be read', () => {
    const baseline = result([plugin('alpha'), plugin('beta')]);
    const unreadable = result([], [problem(ROOT, codes.PLUGIN_DIR_NOT_FOUND, 'gone')]);
    const { events } = run(createDiffState(baseline), [unreadable, unreadable, unreadable]);
    expect(events.flat()).toEqual([`problem ${ROOT} ${codes.PLUGIN_DIR_NOT_FOUND}`]);
  });

  it('reports a folder whose plugin changed its name as removed, then added', () => {
    const baseline = result([plugin('alpha')]);
    const renamed = result([plugin('alpha', 'omega')]);
    const { events } = run(createDiffState(baseline), [renamed, renamed]);
    expect(events).toEqual([[], ['removed alpha@1.0.0', 'added omega@1.0.0']]);
  });

  it('keeps a plugin whose main file is still changing unsettled', () => {
    let state = createDiffState(result());
    const scan = result([plugin('alpha')]);
    const outcomes = ['10:1', '20:2', '20:2'].map((stamp) => {
      const outcome = diffDiscovery(state, {
        result: scan,
        stamps: new Map([[folder('alpha'), stamp]]),
      });
      state = outcome.state;
      return [describeEvents(outcome.events), outcome.settled];
    });
    expect(outcomes).toEqual([
      [[], false],
      [[], false],
      [['added alpha@1.0.0'], true],
    ]);
  });

  it('orders removals before additions and changes, and problems last', () => {
    const baseline = result([plugin('alpha'), plugin('beta')]);
    const next = result(
      [plugin('beta', 'beta', '2.0.0'), plugin('gamma')],
      [problem(folder('delta'))],
    );
    const { events } = run(createDiffState(baseline), [next, next]);
    expect(events[1]).toEqual([
      'removed alpha@1.0.0',
      'changed beta 1.0.0 -> 2.0.0',
      'added gamma@1.0.0',
      `problem ${folder('delta')} ${codes.MANIFEST_INVALID}`,
    ]);
  });

  it('leaves the state and the scan it is given unchanged', () => {
    const state = createDiffState(result([plugin('alpha')]));
    const scan = result([plugin('beta')]);
    const before = JSON.stringify([...state.told.keys(), scan]);
    diffDiscovery(state, { result: scan });
    diffDiscovery(state, { result: scan });
    expect(JSON.stringify([...state.told.keys(), scan])).toBe(before);
  });
});
