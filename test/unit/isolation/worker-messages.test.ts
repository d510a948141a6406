import { describe, expect, it } from 'vitest';
import {
  describe as describeValue,
  readHealthReport,
  readPoolMessage,
  readServiceMethods,
  readWorkerMessage,
} from '../../../src/isolation/worker-messages.js';

const error = { name: 'Error', message: 'boom' };

describe('reading what a worker posts on its control port', () => {
  it.each([
    [{ type: 'READY', protocol: 4 }],
    [{ type: 'LOAD_FAILED', protocol: 4, error }],
    [{ type: 'CONTROL_RESULT', id: 1, ok: true, value: { any: ['thing'] } }],
    [{ type: 'CONTROL_RESULT', id: 2, ok: true, value: undefined }],
    [{ type: 'CONTROL_RESULT', id: 3, ok: false, error }],
    [{ type: 'LOGS', lines: ['{"level":30}\n', ''], dropped: 0 }],
    [{ type: 'LOGS', lines: [], dropped: 12 }],
  ])('takes %j as it is', (message) => {
    expect(readWorkerMessage(message)).toEqual({ ok: true, message });
  });

  it('keeps only the fields the wire defines', () => {
    const read = readWorkerMessage({ type: 'READY', protocol: 4, extra: 'x'.repeat(1e6) });
    expect(read).toEqual({ ok: true, message: { type: 'READY', protocol: 4 } });
  });

  it.each([
    ['not an object', 'READY'],
    ['null', null],
    ['undefined', undefined],
    ['an array', [{ type: 'READY', protocol: 4 }]],
    ['of no type', { protocol: 4 }],
    ['of an unknown type', { type: 'HELLO', protocol: 4 }],
    ['of a type in the wrong case', { type: 'ready', protocol: 4 }],
    ['a READY without a protocol', { type: 'READY' }],
    ['a READY whose protocol is a string', { type: 'READY', protocol: '4' }],
    ['a READY whose protocol is not an integer', { type: 'READY', protocol: 4.5 }],
    ['a READY whose protocol is not safe', { type: 'READY', protocol: 2 ** 60 }],
    ['a LOAD_FAILED without an error', { type: 'LOAD_FAILED', protocol: 4 }],
    ['a LOAD_FAILED whose error is a string', { type: 'LOAD_FAILED', protocol: 4, error: 'x' }],
    ['a LOAD_FAILED whose error is an array', { type: 'LOAD_FAILED', protocol: 4, error: [] }],
    ['a CONTROL_RESULT without an id', { type: 'CONTROL_RESULT', ok: true }],
    ['a CONTROL_RESULT whose id is NaN', { type: 'CONTROL_RESULT', id: NaN, ok: true }],
    ['a CONTROL_RESULT whose ok is a string', { type: 'CONTROL_RESULT', id: 1, ok: 'true' }],
    ['a failed CONTROL_RESULT without an error', { type: 'CONTROL_RESULT', id: 1, ok: false }],
    [
      'a failed CONTROL_RESULT whose error is null',
      { type: 'CONTROL_RESULT', id: 1, ok: false, error: null },
    ],
    ['a LOGS without lines', { type: 'LOGS', dropped: 0 }],
    ['a LOGS whose lines are a string', { type: 'LOGS', lines: 'line', dropped: 0 }],
    ['a LOGS with a line that is not a string', { type: 'LOGS', lines: ['a', 1], dropped: 0 }],
    ['a LOGS without a drop count', { type: 'LOGS', lines: [] }],
    ['a LOGS with a negative drop count', { type: 'LOGS', lines: [], dropped: -1 }],
    ['a LOGS with a fractional drop count', { type: 'LOGS', lines: [], dropped: 0.5 }],
    ['a LOGS with an infinite drop count', { type: 'LOGS', lines: [], dropped: Infinity }],
  ])('refuses a message %s, saying why', (_, message) => {
    const read = readWorkerMessage(message);
    expect(read.ok).toBe(false);
    expect(read).toMatchObject({ problem: expect.any(String) });
  });

  it('says what a refused value was without repeating it', () => {
    const secret = 's3cr3t'.repeat(1_000);
    const read = readWorkerMessage({ type: secret });
    expect(read).toEqual({
      ok: false,
      problem: 'a message of unknown type a string of 6000 characters',
    });
    expect(describeValue(null)).toBe('null');
    expect(describeValue([secret])).toBe('an array');
    expect(describeValue(7n)).toBe('a bigint');
  });
});

describe("reading a started plugin's methods", () => {
  const services = ['store', 'admin'];

  it('takes methods of declared services, as a copy', () => {
    const list = ['get', 'put'];
    const methods = readServiceMethods({ store: list, admin: [] }, services);
    expect(methods).toEqual({ store: ['get', 'put'], admin: [] });
    list.push('later');
    expect(methods?.['store']).toEqual(['get', 'put']);
  });

  it.each([
    ['not an object', ['store']],
    ['null', null],
    ['a service it did not declare', { store: ['get'], other: ['x'] }],
    ['a service named __proto__', JSON.parse('{"__proto__": ["x"]}') as unknown],
    ['methods that are not a list', { store: 'get' }],
    ['a method that is not a string', { store: ['get', 1] }],
    ['a method name over 256 characters', { store: ['m'.repeat(257)] }],
    ['over 4,096 methods', { store: Array.from({ length: 4_097 }, (_, i) => `m${i}`) }],
  ])('refuses %s', (_, value) => {
    expect(readServiceMethods(value, services)).toBeUndefined();
  });

  it('refuses over 256 services, even declared ones', () => {
    const many = Array.from({ length: 257 }, (_, i) => `s${i}`);
    const value = Object.fromEntries(many.map((name) => [name, []]));
    expect(readServiceMethods(value, many)).toBeUndefined();
    expect(readServiceMethods(Object.fromEntries(many.slice(1).map((n) => [n, []])), many)).toEqual(
      Object.fromEntries(many.slice(1).map((n) => [n, []])),
    );
  });
});

describe('reading a health report', () => {
  it('takes ok and a detail, and cuts a detail to 1,000 characters', () => {
    expect(readHealthReport({ ok: true })).toEqual({ ok: true });
    expect(readHealthReport({ ok: false, detail: 'disk full', extra: 1 })).toEqual({
      ok: false,
      detail: 'disk full',
    });
    expect(readHealthReport({ ok: false, detail: 'd'.repeat(5_000) })?.detail).toHaveLength(1_000);
    expect(readHealthReport({ ok: true, ready: false, detail: 'db away' })).toEqual({
      ok: true,
      ready: false,
      detail: 'db away',
    });
  });

  it.each([
    ['not an object', 'ok'],
    ['null', null],
    ['an array', [true]],
    ['without ok', { detail: 'x' }],
    ['whose ok is not a boolean', { ok: 1 }],
    ['whose detail is not a string', { ok: true, detail: { long: 'object' } }],
    ['whose ready is not a boolean', { ok: true, ready: 'no' }],
  ])('refuses a report %s', (_, value) => {
    expect(readHealthReport(value)).toBeUndefined();
  });
});

describe('reading what a pool thread posts', () => {
  const liveness = new SharedArrayBuffer(64);

  it.each([
    [{ type: 'HELLO', threadId: 3, protocol: 2 }],
    [{ type: 'THREAD_READY', threadId: 3, methods: { store: ['get'] }, liveness }],
    [{ type: 'THREAD_FAILED', threadId: 3, error }],
    [{ type: 'REPLY', threadId: 3, requestId: 9, ok: true, value: [1] }],
    [{ type: 'REPLY', threadId: 3, requestId: 9, ok: false, error }],
  ])('takes %j as it is', (message) => {
    expect(readPoolMessage(message)).toEqual({ ok: true, message });
  });

  it('takes a LOGS message as a worker would post it, with or without a thread id', () => {
    const logs = { type: 'LOGS', lines: ['x'], dropped: 1 };
    expect(readPoolMessage(logs)).toEqual({ ok: true, message: logs });
    expect(readPoolMessage({ ...logs, lines: [1] }).ok).toBe(false);
  });

  it.each([
    ['not an object', 42],
    ['null', null],
    ['without a thread id', { type: 'HELLO', protocol: 2 }],
    ['whose thread id is a string', { type: 'HELLO', threadId: '3', protocol: 2 }],
    ['of an unknown type', { type: 'READY', threadId: 3, protocol: 2 }],
    ['a HELLO without a protocol', { type: 'HELLO', threadId: 3 }],
    ['a THREAD_READY without methods', { type: 'THREAD_READY', threadId: 3, liveness }],
    [
      'a THREAD_READY whose liveness is not shared memory',
      { type: 'THREAD_READY', threadId: 3, methods: {}, liveness: new ArrayBuffer(64) },
    ],
    ['a THREAD_FAILED without an error', { type: 'THREAD_FAILED', threadId: 3 }],
    ['a REPLY without a request id', { type: 'REPLY', threadId: 3, ok: true }],
    ['a REPLY whose ok is not a boolean', { type: 'REPLY', threadId: 3, requestId: 1, ok: 0 }],
    ['a failed REPLY without an error', { type: 'REPLY', threadId: 3, requestId: 1, ok: false }],
  ])('refuses a message %s, saying why', (_, message) => {
    const read = readPoolMessage(message);
    expect(read.ok).toBe(false);
    expect(read).toMatchObject({ problem: expect.any(String) });
  });
});
