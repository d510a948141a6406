import { describe, expect, it } from 'vitest';

import type { DiscoveryProblem } from '../../../src/discovery/index.js';
import { BerthError, codes, type BerthErrorCode } from '../../../src/errors.js';
import { HostProblems } from '../../../src/host/host-problems.js';

const problem = (
  dir: string,
  code: BerthErrorCode = codes.MANIFEST_INVALID,
  message = 'bad',
): DiscoveryProblem => ({
  dir,
  error: new BerthError(code, message),
});
const dirs = (problems: HostProblems): string[] => problems.list().map((p) => p.dir);

describe('HostProblems', () => {
  it('reports a problem once, and each distinct error of a folder', () => {
    const problems = new HostProblems();
    expect(problems.add(problem('/p/a'), 'scan')).toBe(true);
    expect(problems.add(problem('/p/a'), 'scan')).toBe(false);
    expect(problems.add(problem('/p/a', codes.MANIFEST_PARSE), 'scan')).toBe(true);
    expect(problems.list().map((p) => p.error.code)).toEqual([
      codes.MANIFEST_INVALID,
      codes.MANIFEST_PARSE,
    ]);
  });

  it('forgets every problem of a folder once it is fixed, whoever found it', () => {
    const problems = new HostProblems();
    problems.add(problem('/p/a'), 'scan');
    problems.add(problem('/p/a', codes.UPGRADE_FAILED), 'host');
    problems.add(problem('/p/b'), 'scan');
    const before = problems.list();
    problems.clear('/p/a');
    expect(dirs(problems)).toEqual(['/p/b']);
    // A list handed out earlier is not changed under its holder.
    expect(before).toHaveLength(3);
  });

  it("forgets discovery's problems only when two scans in a row no longer find them", () => {
    const problems = new HostProblems();
    const duplicate = problem('/p/a', codes.PLUGIN_DUPLICATE);
    problems.add(duplicate, 'scan');
    problems.add(problem('/p/c', codes.UPGRADE_FAILED), 'host');
    problems.settle([duplicate]);
    problems.settle([]);
    expect(dirs(problems)).toEqual(['/p/a', '/p/c']);
    problems.settle([]);
    // The host's own problems are not discovery's to forget.
    expect(dirs(problems)).toEqual(['/p/c']);
  });
});
