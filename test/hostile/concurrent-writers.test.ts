// Writers racing on one revision, and then the proof that the service kept every write it
// acknowledged: exactly one conditional writer wins, the rest get 409, and every
// acknowledged body reads back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putJson, startTarget, type HostileTarget } from './hostile-client.js';

const WRITERS = 12;

describe('hostile clients writing at once', () => {
  let target: HostileTarget;
  beforeAll(async () => {
    target = await startTarget();
  });
  afterAll(async () => {
    await target.stop();
  });

  it('lets exactly one of many If-Match writers on one revision win', async () => {
    const path = `${target.url}/v1/resources/c/apps/v1/deployments/ns/contended`;
    const created = await fetch(path, putJson({ writer: 'first' }));
    const etag = created.headers.get('etag') ?? '';
    const answers = await Promise.all(
      Array.from({ length: WRITERS }, (_, writer) =>
        fetch(path, putJson({ writer }, { 'if-match': etag })),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, ...Array<number>(WRITERS - 1).fill(409)]);
    const winner = answers.findIndex((a) => a.status === 200);
    expect(await (await fetch(path)).json()).toEqual({ writer: winner });
    for (const answer of answers.filter((a) => a.status === 409)) {
      expect(await answer.json()).toMatchObject({ code: 'BERTH_ERR_REVISION_CONFLICT' });
    }
  });

  it('reads back every acknowledged write after concurrent writers on distinct keys', async () => {
    const puts = await Promise.all(
      Array.from({ length: WRITERS * 4 }, async (_, i) => {
        const path = `${target.url}/v1/resources/c/apps/v1/deployments/ns/item-${i % WRITERS}`;
        const answer = await fetch(path, putJson({ i }));
        return { path, i, status: answer.status, etag: answer.headers.get('etag') };
      }),
    );
    expect(puts.every((p) => p.status === 200 || p.status === 201)).toBe(true);
    // Per key, the write with the highest revision is the one that must read back.
    const last = new Map<string, { i: number; revision: number }>();
    for (const put of puts) {
      const revision = Number(put.etag?.replaceAll('"', ''));
      const seen = last.get(put.path);
      if (seen === undefined || revision > seen.revision)
        last.set(put.path, { i: put.i, revision });
    }
    for (const [path, { i, revision }] of last) {
      const read = await fetch(path);
      expect(read.headers.get('etag')).toBe(`"${revision}"`);
      expect(await read.json()).toEqual({ i });
    }
  });
});
