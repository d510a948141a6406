import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { IMPORT_RULES } from '../../scripts/import-rules.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter(
      (entry) => entry.isFile() && /\.(ts|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts'),
    )
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

/** Every module specifier a file imports or re-exports (static and dynamic). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const found = [
    ...text.matchAll(/(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm),
  ].map((m) => m[1]);
  found.push(...[...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]));
  return [...new Set(found)].filter((specifier): specifier is string => specifier !== undefined);
}

/** The repository-relative target of a relative import, or undefined for a package. */
function target(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  return relative(root, resolve(root, dirname(file), specifier)).replace(/\.js$/, '.ts');
}

function violations(
  dir: string,
  allowed: (to: string, from: string, specifier: string) => boolean,
  packages = (_: string) => true,
): string[] {
  const bad: string[] = [];
  for (const file of sourceFiles(dir)) {
    for (const specifier of importsOf(file)) {
      const to = target(file, specifier);
      if (to === undefined ? !packages(specifier) : !allowed(to, file, specifier))
        bad.push(`${file} -> ${specifier}`);
    }
  }
  return bad;
}

const within = (to: string, ...prefixes: string[]): boolean =>
  prefixes.some((prefix) => to.startsWith(prefix));

/** Whether every import of `specifier` in `file` is for types only (`import type …`). */
function typeOnly(file: string, specifier: string): boolean {
  const text = readFileSync(join(root, file), 'utf8');
  const quoted = specifier.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const imports = [
    ...text.matchAll(new RegExp(`import\\s+(type\\s)?[^;]*?from\\s+'${quoted}';`, 'g')),
  ];
  return imports.length > 0 && imports.every((match) => match[1] !== undefined);
}

describe('the import rules of docs/architecture.md (scripts/import-rules.mjs)', () => {
  it.each(IMPORT_RULES.map((rule) => [rule.room, rule] as const))('%s', (room, rule) => {
    const allowed = (to: string, from: string, specifier: string): boolean => {
      if (within(to, `${room}/`)) return true;
      if (rule.mayNot !== undefined) return !within(to, ...rule.mayNot);
      if (within(to, ...(rule.may ?? []))) return true;
      return within(to, ...(rule.types ?? [])) && typeOnly(from, specifier);
    };
    expect(violations(room, allowed)).toEqual([]);
  });

  it('the table covers every room that runs inside plugin threads', () => {
    const rooms = IMPORT_RULES.map((rule) => rule.room);
    for (const room of [
      'workers',
      'src/plugin-side',
      'src/sdk',
      'src/migrations',
      'src/transport',
    ]) {
      expect(rooms).toContain(room);
    }
  });

  it('bundled plugins import only berth/sdk and their own files', () => {
    for (const plugin of readdirSync(join(root, 'plugins'))) {
      const dir = join('plugins', plugin, 'src');
      const bad = violations(
        dir,
        (to) => to.startsWith(`${dir}/`),
        (specifier) => !specifier.startsWith('berth') || specifier === 'berth/sdk',
      );
      expect(bad).toEqual([]);
    }
  });
});
