// Malformed HTTP on raw sockets: request smuggling shapes, oversized heads, bad paths and
// stalled clients each get one JSON answer `{ code, message }`, the connection is closed,
// and the service keeps serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRaw, startTarget, type HostileTarget, type RawAnswer } from './hostile-client.js';

describe('a hostile client speaking broken HTTP', () => {
  let target: HostileTarget;
  beforeAll(async () => {
    // Small timeouts, so that stalling clients are cut quickly.
    target = await startTarget({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
  });
  afterAll(async () => {
    await target.stop();
  });

  const head = (lines: string[]): string => `${lines.join('\r\n')}\r\n\r\n`;

  function expectRefusal(answer: RawAnswer, status: number, code: string): void {
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(answer.body) as { code: string; message: string };
    expect(body).toEqual({ code, message: expect.any(String) as string });
  }

  async function expectStillServing(): Promise<void> {
    expect((await fetch(`${target.url}/healthz`)).status).toBe(200);
  }

  const smuggling: [string, string[], string][] = [
    [
      'both Content-Length and Transfer-Encoding',
      ['Content-Length: 4', 'Transfer-Encoding: chunked'],
      '0\r\n\r\n',
    ],
    ['two different Content-Lengths', ['Content-Length: 2', 'Content-Length: 3'], '{}'],
    ['a chunk size that is not hex', ['Transfer-Encoding: chunked'], 'zz\r\n{}\r\n0\r\n\r\n'],
    ['a Content-Length that is not a number', ['Content-Length: 2x'], '{}'],
  ];
  for (const [what, headers, body] of smuggling) {
    it(`answers ${what} with 400 in the service's shape and closes the connection`, async () => {
      const answer = await sendRaw(target.url, [
        head([
          'PUT /v1/definitions/smuggled HTTP/1.1',
          'Host: localhost',
          'Content-Type: application/json',
          ...headers,
        ]) + body,
      ]);
      expectRefusal(answer, 400, 'BERTH_ERR_INVALID_ARGUMENT');
      expect(answer.closed).toBe(true);
      expect((await fetch(`${target.url}/v1/definitions/smuggled`)).status).toBe(404);
      await expectStillServing();
    });
  }

  it('answers headers past 16 KiB with 431 in the service shape', async () => {
    const answer = await sendRaw(target.url, [
      head(['GET /healthz HTTP/1.1', 'Host: localhost', `X-Pad: ${'a'.repeat(20_000)}`]),
    ]);
    expectRefusal(answer, 431, 'BERTH_ERR_REQUEST_TOO_LARGE');
    expect(answer.closed).toBe(true);
    await expectStillServing();
  });

  it('answers a path segment too long for the router with 414 in the service shape', async () => {
    const answer = await sendRaw(target.url, [
      head([
        `GET /v1/definitions/${'a'.repeat(2000)} HTTP/1.1`,
        'Host: localhost',
        'Connection: close',
      ]),
    ]);
    expectRefusal(answer, 414, 'BERTH_ERR_REQUEST_TOO_LARGE');
  });

  it('answers bad percent-encoding in the path with 400 in the service shape', async () => {
    const answer = await sendRaw(target.url, [
      head(['GET /v1/definitions/a%zzb HTTP/1.1', 'Host: localhost', 'Connection: close']),
    ]);
    expectRefusal(answer, 400, 'BERTH_ERR_INVALID_ARGUMENT');
  });

  it('answers a request line that is not HTTP with 400 in the service shape', async () => {
    const answer = await sendRaw(target.url, ['HELLO THERE\r\n\r\n']);
    expectRefusal(answer, 400, 'BERTH_ERR_INVALID_ARGUMENT');
    expect(answer.closed).toBe(true);
  });

  it('cuts a client that stalls in its headers with 408', async () => {
    const answer = await sendRaw(target.url, ['GET /healthz HTTP/1.1\r\nHost: local'], 5000);
    expectRefusal(answer, 408, 'BERTH_ERR_REQUEST_TIMEOUT');
    expect(answer.closed).toBe(true);
    await expectStillServing();
  });

  it('cuts a client that stalls in its body (slowloris) with 408', async () => {
    const answer = await sendRaw(
      target.url,
      [
        head([
          'PUT /v1/definitions/slow HTTP/1.1',
          'Host: localhost',
          'Content-Type: application/json',
          'Content-Length: 100',
        ]) + '{"a":',
      ],
      5000,
    );
    expectRefusal(answer, 408, 'BERTH_ERR_REQUEST_TIMEOUT');
    expect(answer.closed).toBe(true);
    expect((await fetch(`${target.url}/v1/definitions/slow`)).status).toBe(404);
    await expectStillServing();
  });

  it('takes a huge number of query parameters without failing', async () => {
    const list = `${target.url}/v1/resources/c/apps/v1/deployments`;
    const ignored = await fetch(`${list}?${'x=1&'.repeat(3000)}limit=5`);
    expect(ignored.status).toBe(200);
    const repeated = await fetch(`${list}?${'labelSelector=a&'.repeat(800)}`);
    expect(repeated.status).toBe(400);
    expect(await repeated.json()).toMatchObject({ code: 'BERTH_ERR_INVALID_ARGUMENT' });
    await expectStillServing();
  });
});
