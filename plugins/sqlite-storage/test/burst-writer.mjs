// Durability test helper, run as a child process: starts a host (built Berth, from dist)
// with sqlite-storage in a worker thread on the data dir given, then puts resources
// `burst-<n>` eight at a time, forever, printing `<name> <revision>` for each put as soon
// as it is acknowledged. The test SIGKILLs this process mid-burst and checks that every
// printed put is in the database.
import { Buffer } from 'node:buffer';
import { pino } from 'pino';
import { createHost } from 'berth';

const [pluginDir, dataDir] = process.argv.slice(2);
if (pluginDir === undefined || dataDir === undefined) {
  throw new Error('usage: burst-writer.mjs <plugin dir> <data dir>');
}
const host = createHost({
  plugins: [pluginDir],
  isolation: 'thread',
  dataDir,
  logger: pino({ level: 'silent' }),
});
await host.start();
const storage = host.service('storage');
process.stdout.write('ready\n');

let next = 0;
async function writer() {
  for (;;) {
    const name = `burst-${next++}`;
    const body = Buffer.from(JSON.stringify({ name }));
    const { revision } = await storage.put({ cluster: 'c', type: 't', namespace: '', name, body });
    process.stdout.write(`${name} ${revision}\n`);
  }
}
await Promise.all(Array.from({ length: 8 }, writer));
