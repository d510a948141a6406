/**
 * How a pool thread carries a call's outcome back to the host: `[true, value]` or
 * `[false, wireError]` through the pool codec (pool-wire.ts), large results transferred
 * rather than copied.
 */
import { move } from 'piscina';
import { BerthError, codes } from '../errors.js';
import { toWireError } from '../wire-error.js';
import { createPoolCodec, type Carried, type PoolTask } from '../transport/pool-wire.js';

/** Results at least this large are transferred, not copied, to the host (measured: a
 * transfer costs more than copying a tiny result, less than copying a large one). */
const TRANSFER_BYTES = 64 * 1024;

const codec = createPoolCodec();

/** The task's arguments, decoded. */
export function taskArgs(task: PoolTask): unknown[] {
  return codec.uncarry(task.args) as unknown[];
}

/**
 * Carries `value`, the result of the task's call (transferred when large). Throws
 * BERTH_ERR_UNENCODABLE naming the method when it cannot be carried.
 */
export function carryValue(task: PoolTask, value: unknown): unknown {
  let carried: Carried;
  try {
    carried = codec.carry([true, value], 'outcome');
  } catch (error) {
    const refused = error as BerthError;
    throw new BerthError(
      codes.UNENCODABLE,
      `the result of ${task.service}.${task.method}: ${refused.message}`,
      { cause: refused.cause, service: task.service, method: task.method, data: refused.data },
    );
  }
  return carried instanceof Uint8Array && carried.byteLength >= TRANSFER_BYTES
    ? move(carried)
    : carried;
}

/** Carries a failure; an error that cannot be carried becomes one that says why. */
export function carryFailure(error: unknown, service?: string, method?: string): Carried {
  try {
    return codec.carry([false, toWireError(error)], 'outcome');
  } catch (encodeError) {
    // toWireError never throws and makes plain, bounded data, so msgpack should take it;
    // should it not, this call alone fails, and says why.
    const wire = toWireError(error);
    const unencodable = new BerthError(
      codes.UNENCODABLE,
      `the error thrown by ${service}.${method} cannot be encoded (${wire.name}: ${wire.message}): ${(encodeError as Error).message}`,
      { service, method },
    );
    return codec.carry([false, toWireError(unencodable)], 'outcome');
  }
}
