// Hostile paths: segments that would alias one stored object, names as long as Kubernetes
// allows (and longer), the core group's two spellings, wrong methods, and a body whose
// metadata names another object than its path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PATH_LIMITS } from '../../src/service/request-limits.js';
import { putJson, startTarget, type HostileTarget } from './hostile-client.js';

describe('a hostile client choosing paths', () => {
  let target: HostileTarget;
  let resources: string;
  beforeAll(async () => {
    target = await startTarget();
    resources = `${target.url}/v1/resources`;
  });
  afterAll(async () => {
    await target.stop();
  });

  async function refusal(
    response: Response,
  ): Promise<{ status: number; code: string; message: string }> {
    const body = (await response.json()) as { code: string; message: string };
    return { status: response.status, ...body };
  }

  it('refuses a "/" inside group, version or resource, naming the field', async () => {
    for (const [path, field] of [
      ['c/a%2Fb/c/things/ns/n', 'group'],
      ['c/a/b%2Fc/things/ns/n', 'version'],
      ['c/a/b/c%2Fthings/ns/n', 'resource'],
    ] as const) {
      const answer = await refusal(await fetch(`${resources}/${path}`, putJson({})));
      expect(answer).toMatchObject({ status: 400, code: 'BERTH_ERR_INVALID_ARGUMENT' });
      expect(answer.message).toContain(field);
    }
    const list = await fetch(`${resources}/c/a%2Fb/c/things`);
    expect(list.status).toBe(400);
  });

  it('takes "core" and "_" as one name for the core group', async () => {
    const put = await fetch(`${resources}/c/core/v1/configmaps/ns/settings`, putJson({ v: 1 }));
    expect(put.status).toBe(201);
    const viaUnderscore = await fetch(`${resources}/c/_/v1/configmaps/ns/settings`);
    expect(await viaUnderscore.json()).toEqual({ v: 1 });
    const again = await fetch(`${resources}/c/_/v1/configmaps/ns/settings`, putJson({ v: 2 }));
    expect(again.status).toBe(200);
  });

  it('takes names up to the Kubernetes limits and refuses longer ones with the limit', async () => {
    const name = 'n'.repeat(PATH_LIMITS.name);
    expect((await fetch(`${resources}/c/apps/v1/deployments/ns/${name}`, putJson({}))).status).toBe(
      201,
    );
    expect((await fetch(`${resources}/c/apps/v1/deployments/ns/${name}`)).status).toBe(200);
    const tooLong = await refusal(
      await fetch(`${resources}/c/apps/v1/deployments/ns/${name}x`, putJson({})),
    );
    expect(tooLong).toMatchObject({ status: 400, code: 'BERTH_ERR_INVALID_ARGUMENT' });
    expect(tooLong.message).toContain(String(PATH_LIMITS.name));
    const namespace = 'n'.repeat(PATH_LIMITS.namespace + 1);
    const badNamespace = await refusal(
      await fetch(`${resources}/c/apps/v1/deployments/${namespace}/web`, putJson({})),
    );
    expect(badNamespace).toMatchObject({ status: 400, code: 'BERTH_ERR_INVALID_ARGUMENT' });
    expect(badNamespace.message).toContain('namespace');
    // Escaped characters count once: a name of 200 "ü" is 1,200 bytes on the wire.
    const escaped = encodeURIComponent('ü'.repeat(200));
    expect(
      (await fetch(`${resources}/c/apps/v1/deployments/ns/${escaped}`, putJson({}))).status,
    ).toBe(201);
  });

  it('takes long dubbo identifiers and revisions', async () => {
    const identifier = `org.apache.dubbo.${'Demo'.repeat(100)}Service:1.0.0:group:provider`;
    expect(identifier.length).toBeGreaterThan(253);
    expect((await fetch(`${target.url}/v1/definitions/${identifier}`, putJson({}))).status).toBe(
      201,
    );
    const revision = 'r'.repeat(PATH_LIMITS.revision);
    expect((await fetch(`${target.url}/v1/metadata/shop/${revision}`, putJson({}))).status).toBe(
      201,
    );
    const tooLong = await fetch(`${target.url}/v1/metadata/shop/${revision}r`, putJson({}));
    expect(tooLong.status).toBe(400);
  });

  it('answers a known path with a wrong method with 405 and Allow', async () => {
    const one = `${resources}/c/apps/v1/deployments/ns/web`;
    for (const method of ['POST', 'PATCH', 'OPTIONS']) {
      const answer = await fetch(one, { method });
      expect(answer.status).toBe(405);
      expect(answer.headers.get('allow')).toBe('DELETE, GET, HEAD, PUT');
      expect(await answer.json()).toMatchObject({ code: 'BERTH_ERR_METHOD_NOT_ALLOWED' });
    }
    const health = await fetch(`${target.url}/healthz`, { method: 'DELETE' });
    expect(health.status).toBe(405);
    expect(health.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(`${target.url}/v1/nothing/here`, { method: 'OPTIONS' })).status).toBe(404);
  });

  it('refuses a body whose metadata names another object than the path', async () => {
    const web = `${resources}/c/apps/v1/deployments/default/web`;
    const otherName = await refusal(
      await fetch(web, putJson({ metadata: { name: 'api', namespace: 'default' } })),
    );
    expect(otherName).toMatchObject({ status: 400, code: 'BERTH_ERR_INVALID_ARGUMENT' });
    expect(otherName.message).toContain('metadata.name');
    const otherNamespace = await refusal(
      await fetch(web, putJson({ metadata: { name: 'web', namespace: 'kube-system' } })),
    );
    expect(otherNamespace.message).toContain('metadata.namespace');
    expect((await fetch(web)).status).toBe(404);
    expect(
      (await fetch(web, putJson({ metadata: { name: 'web', namespace: 'default' } }))).status,
    ).toBe(201);
    expect((await fetch(web, putJson({ metadata: { labels: { app: 'web' } } }))).status).toBe(200);
    // Cluster-scoped: the path's `_` does not pin the body's namespace.
    const node = `${resources}/c/_/v1/nodes/_/node-1`;
    expect((await fetch(node, putJson({ metadata: { name: 'node-1' } }))).status).toBe(201);
  });
});
