/** Whether an address to listen on reaches this machine only. */
import { isIP } from 'node:net';

/**
 * True for `localhost`, 127.0.0.0/8, `::1` and IPv4-mapped loopback; false for the
 * wildcards (`0.0.0.0`, `::`) and everything else, names included: a name may resolve
 * to any interface.
 */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare === '::1') return true;
  const v4 = bare.startsWith('::ffff:') ? bare.slice('::ffff:'.length) : bare;
  return isIP(v4) === 4 && v4.startsWith('127.');
}
