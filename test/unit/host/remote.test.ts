import { describe, expect, it } from 'vitest';
import { createServiceProxy } from '../../../src/host/remote.js';

describe('a service proxy', () => {
  it('turns each method call into one invocation with its name and arguments', async () => {
    const calls: [string, unknown[]][] = [];
    const proxy = createServiceProxy<{ add(a: number, b: number): number }>(
      async (method, args) => {
        calls.push([method, args]);
        return 3;
      },
    );
    expect(await proxy.add(1, 2)).toBe(3);
    expect(calls).toEqual([['add', [1, 2]]]);
    expect(proxy.add).toBe(proxy.add);
  });

  it('is not thenable, so awaiting it does not call anything', async () => {
    let invoked = 0;
    const proxy = createServiceProxy<object>(async () => (invoked += 1));
    expect(await proxy).toBe(proxy);
    expect(invoked).toBe(0);
  });
});
