// Hostile bodies and preconditions: bytes that are not UTF-8, types that are not JSON,
// JSON nested 100,000 deep, If-Match forms, and what the answers and metrics then say.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putJson, startTarget, type HostileTarget } from './hostile-client.js';

const TOKEN = 'hostile-admin-token';

describe('a hostile client sending bodies', () => {
  let target: HostileTarget;
  beforeAll(async () => {
    target = await startTarget({ adminToken: TOKEN });
  });
  afterAll(async () => {
    await target.stop();
  });

  it('refuses a JSON body that is not valid UTF-8 on every route that takes one', async () => {
    // `"\xff"`: JSON.parse of its lossy decoding would succeed.
    const bytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]);
    for (const path of [
      '/v1/resources/c/apps/v1/deployments/ns/latin',
      '/v1/metadata/shop/latin',
      '/v1/definitions/latin',
    ]) {
      const raw = await fetch(`${target.url}${path}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: bytes,
      });
      expect(raw.status).toBe(400);
      expect(await raw.json()).toMatchObject({ code: 'BERTH_ERR_INVALID_ARGUMENT' });
      expect((await fetch(`${target.url}${path}`)).status).toBe(404);
    }
  });

  it('takes application/json with parameters and answers 415 to every other type', async () => {
    const path = `${target.url}/v1/definitions/typed`;
    const send = (type: string | undefined): Promise<Response> =>
      fetch(path, {
        method: 'PUT',
        headers: type === undefined ? {} : { 'content-type': type },
        body: new TextEncoder().encode('{}'),
      });
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/xml',
      'application/json; charset=latin1',
      'multipart/form-data; boundary=x',
      undefined,
    ]) {
      const answer = await send(type);
      expect({ type, status: answer.status }).toEqual({ type, status: 415 });
      expect(await answer.json()).toMatchObject({ code: 'BERTH_ERR_UNSUPPORTED_MEDIA_TYPE' });
    }
    expect((await send('application/json; charset=utf-8')).status).toBe(201);
    expect((await send('Application/JSON')).status).toBe(200);
  });

  it('answers JSON nested 100,000 deep without crashing or stalling', async () => {
    const depth = 100_000;
    const arrays = `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const resource = `${target.url}/v1/resources/c/apps/v1/deep/ns/arrays`;
    const refused = await fetch(resource, putJson(arrays));
    expect(refused.status).toBe(400); // a resource must be an object
    const objects = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const stored = await fetch(`${target.url}/v1/definitions/deep`, putJson(objects));
    expect(stored.status).toBe(201);
    expect(await (await fetch(`${target.url}/v1/definitions/deep`)).text()).toBe(objects);
    expect((await fetch(`${target.url}/healthz`)).status).toBe(200);
  });

  it('reads If-Match: * as "must exist" and refuses a list of revisions', async () => {
    const path = `${target.url}/v1/resources/c/apps/v1/deployments/ns/star`;
    const missing = await fetch(path, putJson({}, { 'if-match': '*' }));
    expect(missing.status).toBe(409);
    expect(await missing.json()).toMatchObject({ code: 'BERTH_ERR_REVISION_CONFLICT' });
    expect((await fetch(path)).status).toBe(404);
    const created = await fetch(path, putJson({ v: 1 }));
    expect(created.status).toBe(201);
    const update = await fetch(path, putJson({ v: 2 }, { 'if-match': '*' }));
    expect(update.status).toBe(200);
    expect(update.headers.get('etag')).not.toBe(created.headers.get('etag'));
    expect(await (await fetch(path)).json()).toEqual({ v: 2 });
    const list = await fetch(path, putJson({ v: 3 }, { 'if-match': '"2", "3"' }));
    expect(list.status).toBe(400);
    expect(await list.json()).toMatchObject({ code: 'BERTH_ERR_INVALID_ARGUMENT' });
    expect((await fetch(path, { method: 'DELETE', headers: { 'if-match': '*' } })).status).toBe(
      200,
    );
    const gone = await fetch(path, { method: 'DELETE', headers: { 'if-match': '*' } });
    expect(gone.status).toBe(409);
  });

  it('answers 201 for every create and counts an identical republish as no conflict', async () => {
    const definition = `${target.url}/v1/definitions/org.shop.Cart`;
    expect((await fetch(definition, putJson({ m: 1 }))).status).toBe(201);
    expect((await fetch(definition, putJson({ m: 2 }))).status).toBe(200);
    const metadata = `${target.url}/v1/metadata/shop/r1`;
    expect((await fetch(metadata, putJson({ s: 1 }))).status).toBe(201);
    expect((await fetch(metadata, putJson({ s: 1 }))).status).toBe(200);
    expect((await fetch(metadata, putJson({ s: 1 }))).status).toBe(200);
    const metrics = await (await fetch(`${target.url}/metrics`)).text();
    expect(metrics).not.toContain('outcome="BERTH_ERR_REVISION_CONFLICT"');
    expect((await fetch(metadata, putJson({ s: 2 }))).status).toBe(409);
  });

  it('answers a restart of a disabled plugin with 409 and how to enable it', async () => {
    const admin = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    // The storage plugin itself: this is the file's last test.
    const disable = await fetch(`${target.url}/v1/plugins/sqlite-storage/disable`, {
      method: 'POST',
      headers: admin,
      body: '{}',
    });
    expect(disable.status).toBe(200);
    const restart = await fetch(`${target.url}/v1/plugins/sqlite-storage/restart`, {
      method: 'POST',
      headers: admin,
      body: '{}',
    });
    expect(restart.status).toBe(409);
    expect(restart.headers.get('retry-after')).toBeNull();
    const body = (await restart.json()) as { code: string; message: string };
    expect(body.code).toBe('BERTH_ERR_PLUGIN_DISABLED');
    expect(body.message).toContain('enable');
  });
});
