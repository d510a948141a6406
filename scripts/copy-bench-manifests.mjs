// Build step: the bench's own plugins compile with the rest of bench/ into dist/bench/
// (they share its payload code), so their plugin.json files are copied next to the
// compiled modules they name; the gRPC peer's .proto goes next to its compiled loader.
import { cpSync, readdirSync } from 'node:fs';

const from = new URL('../bench/plugins/', import.meta.url);
const to = new URL('../dist/bench/plugins/', import.meta.url);
for (const entry of readdirSync(from, { withFileTypes: true })) {
  if (entry.isDirectory()) {
    cpSync(new URL(`${entry.name}/plugin.json`, from), new URL(`${entry.name}/plugin.json`, to));
  }
}
cpSync(
  new URL('../bench/servers/bench.proto', import.meta.url),
  new URL('../dist/bench/servers/bench.proto', import.meta.url),
);
