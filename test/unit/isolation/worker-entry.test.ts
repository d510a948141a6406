import { describe, expect, it } from 'vitest';
import { resolveWorkerEntry } from '../../../src/isolation/worker-entry.js';

describe('the worker entry', () => {
  it('is the built .js next to built code', () => {
    const entry = resolveWorkerEntry(
      'plugin-worker',
      'file:///app/dist/src/isolation/worker-entry.js',
    );
    expect(entry).toEqual({ url: new URL('file:///app/dist/workers/plugin-worker.js'), argv: [] });
  });

  it('goes through the tsx bootstrap when running from source', () => {
    const entry = resolveWorkerEntry(
      'plugin-worker',
      'file:///app/src/isolation/worker-entry.ts',
      'source',
    );
    expect(entry.url.href).toBe('file:///app/workers/ts-bootstrap.mjs');
    expect(entry.argv).toEqual(['/app/workers/plugin-worker.ts']);
  });

  it('uses the built workers from source when BERTH_WORKERS=dist', () => {
    const entry = resolveWorkerEntry(
      'plugin-worker',
      'file:///app/src/isolation/worker-entry.ts',
      'dist',
    );
    expect(entry.url.href).toBe('file:///app/dist/workers/plugin-worker.js');
  });
});
