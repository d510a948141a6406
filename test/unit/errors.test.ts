import { describe, expect, it } from 'vitest';
import {
  BerthError,
  codes,
  isBerthError,
  MAX_CAUSE_DEPTH,
  MAX_CODE_CHARS,
  MAX_DATA_STRING_CHARS,
  MAX_MESSAGE_CHARS,
  MAX_NAME_CHARS,
  MAX_STACK_CHARS,
} from '../../src/errors.js';
import {
  describeThrown,
  fromWireError,
  PLUGIN_REPORTABLE_CODES,
  toWireError,
  type WireError,
} from '../../src/wire-error.js';
import { seededRandom as random } from '../support/seeded-random.js';

describe('error codes', () => {
  it('are exactly this list: codes are public API, never renamed or reused', () => {
    expect(Object.values(codes)).toEqual([
      'BERTH_ERR_MANIFEST_NOT_FOUND',
      'BERTH_ERR_MANIFEST_PARSE',
      'BERTH_ERR_MANIFEST_INVALID',
      'BERTH_ERR_ENGINE_INCOMPATIBLE',
      'BERTH_ERR_PATH_ESCAPE',
      'BERTH_ERR_PLUGIN_DUPLICATE',
      'BERTH_ERR_PLUGIN_LOAD',
      'BERTH_ERR_PLUGIN_NOT_BRANDED',
      'BERTH_ERR_PLUGIN_SERVICES_MISMATCH',
      'BERTH_ERR_PLUGIN_NOT_FOUND',
      'BERTH_ERR_PLUGIN_NOT_RUNNING',
      'BERTH_ERR_PLUGIN_ERROR',
      'BERTH_ERR_PLUGIN_CRASHED',
      'BERTH_ERR_START_FAILED',
      'BERTH_ERR_SERVICE_NOT_FOUND',
      'BERTH_ERR_SERVICE_AMBIGUOUS',
      'BERTH_ERR_METHOD_NOT_FOUND',
      'BERTH_ERR_UNENCODABLE',
      'BERTH_ERR_PROTOCOL_MISMATCH',
      'BERTH_ERR_ISOLATION_UNSUPPORTED',
      'BERTH_ERR_HOST_CLOSED',
      'BERTH_ERR_CONFIG_INVALID',
      'BERTH_ERR_CALL_ABORTED',
      'BERTH_ERR_INVALID_ARGUMENT',
      'BERTH_ERR_REVISION_CONFLICT',
      'BERTH_ERR_PLUGIN_DIR_NOT_FOUND',
      'BERTH_ERR_PLUGIN_HUNG',
      'BERTH_ERR_PLUGIN_OOM',
      'BERTH_ERR_CALL_TIMEOUT',
      'BERTH_ERR_OVERLOADED',
      'BERTH_ERR_PLUGIN_FAILED',
      'BERTH_ERR_PLUGIN_UNHEALTHY',
      'BERTH_ERR_NOT_FOUND',
      'BERTH_ERR_REQUEST_TOO_LARGE',
      'BERTH_ERR_UNAUTHORIZED',
      'BERTH_ERR_FORBIDDEN',
      'BERTH_ERR_MIGRATION_INVALID',
      'BERTH_ERR_MIGRATION_MISMATCH',
      'BERTH_ERR_MIGRATION_FAILED',
      'BERTH_ERR_MIGRATION_IRREVERSIBLE',
      'BERTH_ERR_TARGET_NOT_EMPTY',
      'BERTH_ERR_INSTALL_FAILED',
      'BERTH_ERR_STATE_INVALID',
      'BERTH_ERR_PLUGIN_ENABLED',
      'BERTH_ERR_UPGRADE_FAILED',
      'BERTH_ERR_PROTOCOL',
      'BERTH_ERR_UNSUPPORTED_MEDIA_TYPE',
      'BERTH_ERR_METHOD_NOT_ALLOWED',
      'BERTH_ERR_REQUEST_TIMEOUT',
      'BERTH_ERR_PLUGIN_DISABLED',
      'BERTH_ERR_POISON_CALL',
      'BERTH_ERR_BACKEND_UNAVAILABLE',
      'BERTH_ERR_SERVICE_UNREACHABLE',
    ]);
  });

  it('each name its key with the BERTH_ERR_ prefix', () => {
    for (const [key, code] of Object.entries(codes)) expect(code).toBe(`BERTH_ERR_${key}`);
  });
});

describe('BerthError', () => {
  it('is recognised by a brand, so a copy from another instance of the library still matches', () => {
    const foreign = Object.assign(new Error('x'), {
      [Symbol.for('berth.error')]: true,
      code: codes.PLUGIN_ERROR,
    });
    expect(foreign instanceof BerthError).toBe(true);
    expect(new Error('plain') instanceof BerthError).toBe(false);
    expect(isBerthError(new BerthError(codes.HOST_CLOSED, 'closed'), codes.HOST_CLOSED)).toBe(true);
    expect(isBerthError(new BerthError(codes.HOST_CLOSED, 'closed'), codes.PLUGIN_ERROR)).toBe(
      false,
    );
  });
});

describe('errors on the wire', () => {
  it('keep code, site, data, stack and the chain of causes', () => {
    const root = Object.assign(new RangeError('too deep'), { code: 'ERR_SOMETHING' });
    const error = new BerthError(codes.REVISION_CONFLICT, 'stale', {
      plugin: 'p',
      service: 's',
      method: 'm',
      data: { current: 3 },
      cause: root,
    });
    const back = fromWireError(structuredClone(toWireError(error)));
    expect(back).toMatchObject({
      code: codes.REVISION_CONFLICT,
      plugin: 'p',
      service: 's',
      method: 'm',
      data: { current: 3 },
    });
    expect(back.stack).toBe(error.stack);
    expect(back.cause).toMatchObject({
      name: 'RangeError',
      message: 'too deep',
      code: 'ERR_SOMETHING',
    });
    expect(isBerthError(back.cause)).toBe(false);
  });

  it('describe thrown non-errors and stop at a cyclic cause chain', () => {
    expect(toWireError('just a string')).toEqual({ name: 'NonError', message: 'just a string' });
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    let depth = 0;
    for (let wire = toWireError(a); wire.cause !== undefined; wire = wire.cause) depth += 1;
    expect(depth).toBeLessThanOrEqual(8);
  });
});

describe('the codes a plugin may report', () => {
  it('are exactly this list: every other code from the wire is the host’s to state', () => {
    expect([...PLUGIN_REPORTABLE_CODES]).toEqual([
      codes.PLUGIN_ERROR,
      codes.INVALID_ARGUMENT,
      codes.REVISION_CONFLICT,
      codes.UNENCODABLE,
      codes.METHOD_NOT_FOUND,
      codes.SERVICE_NOT_FOUND,
      codes.CONFIG_INVALID,
      codes.START_FAILED,
      codes.MIGRATION_INVALID,
      codes.MIGRATION_MISMATCH,
      codes.MIGRATION_FAILED,
      codes.MIGRATION_IRREVERSIBLE,
      codes.PLUGIN_LOAD,
      codes.PLUGIN_NOT_BRANDED,
      codes.PLUGIN_SERVICES_MISMATCH,
      codes.PROTOCOL_MISMATCH,
      codes.BACKEND_UNAVAILABLE,
    ]);
  });

  it('come back from the wire as BerthErrors; every other code as a plain Error that keeps it', () => {
    for (const code of Object.values(codes)) {
      for (const name of ['BerthError', 'Error']) {
        const back = fromWireError({ name, message: 'm', code, data: { n: 1 } });
        if (PLUGIN_REPORTABLE_CODES.has(code)) {
          expect(isBerthError(back, code), code).toBe(true);
          expect(back, code).toMatchObject({ data: { n: 1 } });
        } else {
          expect(isBerthError(back), code).toBe(false);
          expect((back as { code?: unknown }).code, code).toBe(code);
        }
      }
    }
  });

  it('do not let a host code through deeper in the chain either', () => {
    const back = fromWireError({
      name: 'BerthError',
      message: 'conflict',
      code: codes.REVISION_CONFLICT,
      cause: { name: 'BerthError', message: 'crashed', code: codes.PLUGIN_CRASHED },
    });
    expect(isBerthError(back, codes.REVISION_CONFLICT)).toBe(true);
    expect(isBerthError(back.cause)).toBe(false);
    expect(back.cause).toMatchObject({ code: codes.PLUGIN_CRASHED });
  });
});

const MB = 1024 * 1024;

/** A Proxy of `target` whose every trap throws. */
function throwingProxy<T extends object>(target: T): T {
  const handler: ProxyHandler<T> = {};
  for (const trap of [
    'get',
    'has',
    'ownKeys',
    'getOwnPropertyDescriptor',
    'getPrototypeOf',
    'defineProperty',
    'set',
    'apply',
  ] as const) {
    handler[trap] = () => {
      throw new Error(`trap ${trap}`);
    };
  }
  return new Proxy(target, handler);
}

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable(new Error('revoked'), {});
  revoke();
  return proxy;
}

/** An Error whose `keys` getters throw (give `stack` first: redefining it formats it). */
function withThrowingGetters(keys: string[]): Error {
  const error = new Error('getters');
  for (const key of keys) {
    Object.defineProperty(error, key, {
      get() {
        throw throwingProxy({});
      },
    });
  }
  return error;
}

/** Values a plugin may throw that must not break toWireError. */
const hostileThrown: [string, () => unknown][] = [
  ['a Proxy of an Error whose traps throw', () => throwingProxy(new Error('x'))],
  [
    'a Proxy that claims the Berth brand',
    () =>
      new Proxy(new Error('x'), {
        has: () => true,
        get: () => {
          throw new Error('get');
        },
      }),
  ],
  ['a revoked Proxy', revoked],
  [
    'an Error whose getters throw',
    () => withThrowingGetters(['stack', 'name', 'message', 'code', 'cause']),
  ],
  [
    'an object whose conversions throw',
    () => ({
      toString: () => {
        throw new Error();
      },
      toJSON: () => {
        throw new Error();
      },
      [Symbol.toPrimitive]: () => {
        throw new Error();
      },
    }),
  ],
  ['a 10 MB message', () => new Error('m'.repeat(10 * MB))],
  [
    'a 10 MB stack, name and code',
    () =>
      Object.assign(new Error('x'), {
        stack: 's'.repeat(10 * MB),
        name: 'n'.repeat(10 * MB),
        code: 'c'.repeat(10 * MB),
      }),
  ],
  [
    'a message that is not a string',
    () => Object.assign(new Error('x'), { message: throwingProxy({}) }),
  ],
  [
    '10 000 causes',
    () => {
      let e = new Error('0');
      for (let i = 1; i < 10_000; i += 1) e = new Error(String(i), { cause: e });
      return e;
    },
  ],
  ['a cause that is a revoked Proxy', () => new Error('x', { cause: revoked() })],
  [
    'data holding a cycle and a getter that throws',
    () => {
      const data: Record<string, unknown> = {};
      data['self'] = data;
      Object.defineProperty(data, 'boom', {
        enumerable: true,
        get() {
          throw new Error();
        },
      });
      return new BerthError(codes.INVALID_ARGUMENT, 'x', { data });
    },
  ],
  [
    'data that is a Proxy',
    () => new BerthError(codes.INVALID_ARGUMENT, 'x', { data: throwingProxy({}) }),
  ],
  [
    'data holding a 10 MB string and 10 000 keys',
    () =>
      new BerthError(codes.INVALID_ARGUMENT, 'x', {
        data: {
          big: 'd'.repeat(10 * MB),
          ...Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i])),
        },
      }),
  ],
  [
    'a frozen Error',
    () => Object.freeze(new Error('frozen', { cause: Object.freeze(new Error('c')) })),
  ],
  ['a symbol', () => Symbol('s'.repeat(10 * MB))],
  ['a function Proxy', () => throwingProxy(() => 1)],
  ['a bigint', () => 10n ** 30n],
];

/** Checks the bounds on a wire error and its causes. */
function expectBoundedWire(wire: WireError, label: string): void {
  let depth = 0;
  for (let link: WireError | undefined = wire; link !== undefined; link = link.cause) {
    expect(link.message.length, label).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(link.name.length, label).toBeLessThanOrEqual(MAX_NAME_CHARS);
    expect(link.stack?.length ?? 0, label).toBeLessThanOrEqual(MAX_STACK_CHARS);
    expect(link.code?.length ?? 0, label).toBeLessThanOrEqual(MAX_CODE_CHARS);
    if (link.cause !== undefined) depth += 1;
  }
  expect(depth, label).toBeLessThanOrEqual(MAX_CAUSE_DEPTH);
  // Plain data: a structured clone (what postMessage does) takes it as it is.
  expect(() => structuredClone(wire), label).not.toThrow();
}

/** Checks the bounds on a rebuilt error and its causes. */
function expectBoundedError(error: Error, label: string): void {
  let depth = 0;
  for (let link: unknown = error; link !== undefined; link = (link as Error).cause) {
    const e = link as Error & { code?: string };
    expect(e).toBeInstanceOf(Error);
    expect(typeof e.message, label).toBe('string');
    expect(e.message.length, label).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(e.name.length, label).toBeLessThanOrEqual(MAX_NAME_CHARS);
    expect(e.stack?.length ?? 0, label).toBeLessThanOrEqual(MAX_STACK_CHARS);
    expect(String(e.code ?? '').length, label).toBeLessThanOrEqual(MAX_CODE_CHARS);
    if (e.cause !== undefined) depth += 1;
  }
  expect(depth, label).toBeLessThanOrEqual(MAX_CAUSE_DEPTH);
}

describe('toWireError and describeThrown on hostile values', () => {
  it.each(hostileThrown)('never throw and stay bounded: %s', (_label, make) => {
    const thrown = make();
    const wire = toWireError(thrown);
    expectBoundedWire(wire, _label);
    expect(describeThrown(thrown).length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expectBoundedError(fromWireError(wire), _label);
  });

  it('carry a thrown BerthError with data that is not plain data as the cause of a code-less error', () => {
    const thrown = new BerthError(codes.INVALID_ARGUMENT, 'bad', { data: { tag: Symbol('t') } });
    const wire = toWireError(thrown);
    expect(wire.code).toBeUndefined();
    expect(wire.message).toContain('a symbol at data.tag');
    expect(wire.cause).toMatchObject({ code: codes.INVALID_ARGUMENT, message: 'bad' });
    expect(wire.cause?.data).toBeUndefined();
  });

  it('keep plain data, cut to its bounds', () => {
    const when = new Date(0);
    const wire = toWireError(
      new BerthError(codes.INVALID_ARGUMENT, 'x', {
        data: { field: 'a.b', n: 1, when, list: [1, 'two', null], long: 'l'.repeat(5000) },
      }),
    );
    expect(wire.data).toMatchObject({ field: 'a.b', n: 1, when, list: [1, 'two', null] });
    expect((wire.data?.['long'] as string).length).toBeLessThanOrEqual(MAX_DATA_STRING_CHARS);
  });

  it('keep a data key named __proto__ as a key', () => {
    const data = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as Record<
      string,
      unknown
    >;
    const wire = toWireError(new BerthError(codes.INVALID_ARGUMENT, 'x', { data }));
    expect(Object.getPrototypeOf(wire.data)).toBe(Object.prototype);
    expect(Object.keys(wire.data ?? {})).toEqual(['__proto__', 'ok']);
    expect((fromWireError(wire) as BerthError).data).toMatchObject({ ok: 1 });
  });

  it('describe a value as before: a string as is, an object as JSON, an Error by its message', () => {
    expect(describeThrown('plain')).toBe('plain');
    expect(describeThrown({ a: 1 })).toBe('{"a":1}');
    expect(describeThrown(new Error('msg'))).toBe('msg');
    expect(describeThrown(undefined)).toBe('undefined');
    expect(describeThrown(revoked())).toBe('[a value that cannot be inspected]');
  });
});

/** Any value a broken or hostile worker could send where a wire error belongs. */
function hostileWire(next: () => number, depth = 0): unknown {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const leaf = (): unknown =>
    pick([
      () => undefined,
      () => null,
      () => next() * 1e9,
      () => Number.NaN,
      () => true,
      () => 'x'.repeat(Math.floor(next() * 20)),
      () => 'y'.repeat(MB * (1 + Math.floor(next() * 3))),
      () => pick(Object.values(codes)),
      () => [1, 'a', { nested: true }],
      () => new Uint8Array(4),
      () => new Date(Number.NaN),
      () => ({ message: 'an object where a string belongs' }),
      () => throwingProxy({}),
    ])();
  if (depth > 20 || next() < 0.15) return leaf();
  const wire: Record<string, unknown> = {};
  for (const key of ['name', 'message', 'stack', 'code', 'plugin', 'service', 'method', 'data']) {
    if (next() < 0.7) wire[key] = leaf();
  }
  if (next() < 0.3) wire['code'] = pick(Object.values(codes));
  if (next() < 0.8) wire['cause'] = hostileWire(next, depth + 1);
  return next() < 0.05 ? [wire] : wire;
}

describe('fromWireError on whatever a worker sends', () => {
  it('never throws, stays bounded, and believes no host code (500 seeded shapes)', () => {
    for (let seed = 1; seed <= 500; seed += 1) {
      const wire = hostileWire(random(seed));
      let error: Error | undefined;
      expect(() => (error = fromWireError(wire)), `seed ${seed}`).not.toThrow();
      expectBoundedError(error as Error, `seed ${seed}`);
      for (let link: unknown = error; link !== undefined; link = (link as Error).cause) {
        if (isBerthError(link))
          expect(PLUGIN_REPORTABLE_CODES.has(link.code), `seed ${seed}`).toBe(true);
      }
    }
  });

  it('stops a cause chain 100 000 deep at its bound', () => {
    let wire: Record<string, unknown> = { name: 'Error', message: 'root' };
    for (let i = 0; i < 100_000; i += 1) wire = { name: 'Error', message: String(i), cause: wire };
    expectBoundedError(fromWireError(wire), 'deep');
  });

  it('turns a wire value that is no object into a NonError describing it', () => {
    for (const wire of [undefined, null, 42, 'text', [1, 2], throwingProxy({}), revoked()]) {
      const error = fromWireError(wire);
      expect(error).toBeInstanceOf(Error);
      expect(isBerthError(error)).toBe(false);
    }
  });
});
