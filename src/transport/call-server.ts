/**
 * The worker end of the data plane: runs each incoming call and sends back its result
 * or its error. A result that cannot be encoded becomes a BERTH_ERR_UNENCODABLE failure
 * for that call alone; the worker keeps serving.
 */
import type { MessagePort } from 'node:worker_threads';
import { BerthError, codes, isBerthError, toWireError } from '../errors.js';
import { createFrameChannel, type FrameChannel } from './frame-channel.js';
import { Frame, type AnyFrame } from './wire.js';

/** Runs one call; `signal` aborts when the host cancels it. */
export type Dispatch = (
  service: string,
  method: string,
  args: unknown[],
  signal: AbortSignal,
) => Promise<unknown>;

/** Serves calls arriving on `port` with `dispatch` until the returned channel is closed. */
export function serveCalls(port: MessagePort, dispatch: Dispatch): FrameChannel {
  const running = new Map<number, AbortController>();

  const finish = (
    id: number,
    ok: boolean,
    value: unknown,
    service: string,
    method: string,
  ): void => {
    if (!running.delete(id)) return; // cancelled: the host has already given up on it
    if (!ok) {
      try {
        channel.send([Frame.FAILURE, id, toWireError(value)]);
      } catch (error) {
        // The plugin's error carries something the codec cannot hold (in `data`, say):
        // report that, for this call alone, rather than let the worker die of it.
        const wire = toWireError(value);
        const failure = new BerthError(
          codes.UNENCODABLE,
          `the error thrown by ${service}.${method} cannot be encoded (${wire.name}: ${wire.message}): ${(error as Error).message}`,
          { service, method },
        );
        channel.send([Frame.FAILURE, id, toWireError(failure)]);
      }
      return;
    }
    try {
      channel.send([Frame.RESULT, id, value]);
    } catch (error) {
      const failure = isBerthError(error, codes.UNENCODABLE)
        ? new BerthError(
            codes.UNENCODABLE,
            `the result of ${service}.${method} cannot be encoded: ${error.message}`,
            {
              cause: error.cause,
              service,
              method,
            },
          )
        : error;
      channel.send([Frame.FAILURE, id, toWireError(failure)]);
    }
  };

  const channel = createFrameChannel(port, (frame: AnyFrame) => {
    if (frame[0] === Frame.CANCEL) {
      running
        .get(frame[1])
        ?.abort(new BerthError(codes.CALL_ABORTED, 'the caller aborted the call'));
      running.delete(frame[1]);
      return;
    }
    if (frame[0] !== Frame.CALL) return;
    const [, id, service, method, args] = frame;
    const controller = new AbortController();
    running.set(id, controller);
    // Promise.resolve().then keeps a synchronous throw inside dispatch on the failure path.
    Promise.resolve()
      .then(() => dispatch(service, method, args, controller.signal))
      .then(
        (value) => finish(id, true, value, service, method),
        (error: unknown) => finish(id, false, error, service, method),
      );
  });
  return channel;
}
