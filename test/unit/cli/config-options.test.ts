import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

import { demoCommand } from '../../../src/cli/demo-command.js';
import { pluginsCommand } from '../../../src/cli/plugins-command.js';
import { serveCommand } from '../../../src/cli/serve-command.js';
import { FLAG_KEYS } from '../../../src/config/config-sources.js';

const schema = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../../../docs/berth.config.schema.json', import.meta.url)),
    'utf8',
  ),
) as { properties: Record<string, { properties?: Record<string, unknown> }> };

/** Whether `path` (`port`, `storage.name`) is a key of berth.config.json. */
const inSchema = (path: string): boolean => {
  const [top = '', sub] = path.split('.');
  const property = schema.properties[top];
  return property !== undefined && (sub === undefined || property.properties?.[sub] !== undefined);
};

describe('the options that set berth.config.json keys', () => {
  it('each name a key of the schema', () => {
    for (const path of Object.values(FLAG_KEYS)) expect(inSchema(path), path).toBe(true);
  });

  const list = pluginsCommand().commands.find((c) => c.name() === 'list');
  it.each([
    ['serve', serveCommand()],
    ['demo', demoCommand()],
    ['plugins list', list],
  ])(
    '%s takes -c/--config as a berth.config.json, and only flags the loader reads',
    (_name, command) => {
      const longs = (command?.options ?? []).map((o) => o.long ?? '');
      expect(longs).toContain('--config');
      expect(command?.options.find((o) => o.long === '--config')?.description).toContain(
        'berth.config.json',
      );
      const own = new Set(['--config', '--dev', '--service', '--json']);
      for (const long of longs) if (!own.has(long)) expect(Object.keys(FLAG_KEYS)).toContain(long);
    },
  );
});
