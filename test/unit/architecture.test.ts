import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

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
  allowed: (to: string, from: string) => boolean,
  packages = (_: string) => true,
): string[] {
  const bad: string[] = [];
  for (const file of sourceFiles(dir)) {
    for (const specifier of importsOf(file)) {
      const to = target(file, specifier);
      if (to === undefined ? !packages(specifier) : !allowed(to, file))
        bad.push(`${file} -> ${specifier}`);
    }
  }
  return bad;
}

const within = (to: string, ...prefixes: string[]): boolean =>
  prefixes.some((prefix) => to.startsWith(prefix));

describe('the import rules of DESIGN.md', () => {
  it('workers/ import only src/plugin-side, src/transport, src/sdk, src/contracts and src/errors', () => {
    expect(
      violations('workers', (to) =>
        within(
          to,
          'src/plugin-side/',
          'src/transport/',
          'src/sdk/',
          'src/contracts/',
          'src/errors.ts',
          'src/plain-object.ts',
        ),
      ),
    ).toEqual([]);
  });

  it('src/plugin-side, which runs inside plugin threads, imports nothing host-side', () => {
    expect(
      violations('src/plugin-side', (to) =>
        within(
          to,
          'src/plugin-side/',
          'src/transport/',
          'src/sdk/',
          'src/contracts/',
          'src/errors.ts',
          'src/plain-object.ts',
        ),
      ),
    ).toEqual([]);
  });

  it('src/transport imports nothing host-side', () => {
    expect(
      violations('src/transport', (to) =>
        within(to, 'src/transport/', 'src/errors.ts', 'src/plain-object.ts'),
      ),
    ).toEqual([]);
  });

  it('src/sdk and src/contracts, which run inside workers, import nothing host-side', () => {
    const sideless = (to: string): boolean =>
      within(to, 'src/sdk/', 'src/contracts/', 'src/errors.ts', 'src/plain-object.ts');
    expect([...violations('src/sdk', sideless), ...violations('src/contracts', sideless)]).toEqual(
      [],
    );
  });

  it('src/isolation imports nothing from src/supervisor (the supervisor imports isolation)', () => {
    expect(violations('src/isolation', (to) => !within(to, 'src/supervisor/'))).toEqual([]);
  });

  it('src/cli uses the host only through src/index.ts (and the service through its index)', () => {
    expect(
      violations('src/cli', (to) => within(to, 'src/cli/', 'src/index.ts', 'src/service/index.ts')),
    ).toEqual([]);
  });

  it('src/service uses the host only through src/index.ts', () => {
    expect(violations('src/service', (to) => within(to, 'src/service/', 'src/index.ts'))).toEqual(
      [],
    );
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
