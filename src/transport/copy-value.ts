/**
 * The copy inline isolation makes of arguments and results: through msgpack with the
 * value model of every other mode (value-model.ts), so a plugin that works inline works
 * in a thread or a pool, values and refusals alike. A host that wants the speed of
 * passing references sets `inlineValues: 'reference'`.
 */
import { Packr } from 'msgpackr';
import { worthBundling } from './codec.js';
import { plainBytes, unencodableError, valueOptions } from './value-model.js';

/**
 * Copies `value` as it would arrive across a thread. Throws BERTH_ERR_UNENCODABLE naming
 * the path of what it refuses, rooted at `root` (`args[0].handler`, `result.items[3]`).
 * Synchronous, so calls in flight at once may share one copier.
 */
export type ValueCopier = (value: unknown, root: string) => unknown;

/** Makes a copier: one msgpackr instance, each copy self-contained. */
export function createValueCopier(): ValueCopier {
  const packr = new Packr({ ...valueOptions(), copyBuffers: true });
  // Read by msgpackr at the start of every pack, so it can change between copies.
  const options = packr as { bundleStrings?: boolean };
  return (value, root) => {
    try {
      options.bundleStrings =
        root === 'args' && Array.isArray(value) ? value.some(worthBundling) : worthBundling(value);
      // The bytes are a view on the packr's buffer, reused by the next pack: byte arrays
      // are copied out of them (copyBuffers), never left viewing them.
      return packr.unpack(plainBytes(packr.pack(value)));
    } catch (error) {
      throw unencodableError(value, root, error);
    }
  };
}
