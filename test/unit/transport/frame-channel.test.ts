import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { codes } from '../../../src/errors.js';
import { createCallClient } from '../../../src/transport/call-client.js';
import { serveCalls } from '../../../src/transport/call-server.js';
import { createFrameChannel, type FrameChannel } from '../../../src/transport/frame-channel.js';
import { Frame, type AnyFrame } from '../../../src/transport/wire.js';

describe('the frame channel', () => {
  const open: FrameChannel[] = [];
  afterEach(() => {
    for (const channel of open.splice(0)) channel.close();
  });

  it('delivers frames sent in one tick, in order, in a single message', async () => {
    const { port1, port2 } = new MessageChannel();
    let messages = 0;
    port2.on('message', () => (messages += 1));
    const received: AnyFrame[] = [];
    const done = new Promise<void>((resolve) => {
      open.push(
        createFrameChannel(port2, (frame) => {
          received.push(frame);
          if (received.length === 100) resolve();
        }),
      );
    });
    const sender = createFrameChannel(port1, () => {});
    open.push(sender);
    for (let id = 1; id <= 100; id += 1) sender.send([Frame.CALL, id, 's', 'm', [id]]);
    await done;
    expect(received.map((frame) => frame[1])).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(messages).toBe(1);
  });

  it('refuses a frame that cannot be encoded without disturbing the others', async () => {
    const { port1, port2 } = new MessageChannel();
    const received: AnyFrame[] = [];
    const arrived = new Promise<void>((resolve) => {
      open.push(createFrameChannel(port2, (frame) => (received.push(frame), resolve())));
    });
    const sender = createFrameChannel(port1, () => {});
    open.push(sender);
    expect(() => sender.send([Frame.CALL, 1, 's', 'm', [Symbol('no')]])).toThrow(
      expect.objectContaining({ code: codes.UNENCODABLE }),
    );
    sender.send([Frame.CALL, 2, 's', 'm', ['fine']]);
    await arrived;
    expect(received).toEqual([[Frame.CALL, 2, 's', 'm', ['fine']]]);
  });
});

describe('calls over the data plane', () => {
  it('settle each call with its own result or error, and every call when the peer is gone', async () => {
    const { port1, port2 } = new MessageChannel();
    const server = serveCalls(port2, async (_service, method, args) => {
      if (method === 'fail') throw new TypeError(String(args[0]));
      if (method === 'hang') return new Promise(() => {});
      return args[0];
    });
    const client = createCallClient(port1);
    const results = await Promise.allSettled([
      client.call('s', 'echo', [1]),
      client.call('s', 'fail', ['no']),
    ]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: 1 });
    expect(results[1]).toMatchObject({
      status: 'rejected',
      reason: { name: 'TypeError', message: 'no' },
    });
    const hanging = client.call('s', 'hang', []);
    expect(client.inFlight).toBe(1);
    client.rejectAll(() => new Error('peer gone'));
    await expect(hanging).rejects.toThrow('peer gone');
    expect(client.inFlight).toBe(0);
    await client.whenIdle();
    server.close();
    client.close();
  });
});
