// @ts-check
import { posix } from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { IMPORT_RULES } from './scripts/import-rules.mjs';

/** `text` as a literal part of a regular expression. */
const literal = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** How a file in `dir` names `target` (a repository path; a folder ends in `/`). */
function specifier(dir, target) {
  const folder = target.endsWith('/');
  let path = posix.relative(dir, folder ? target.slice(0, -1) : target);
  if (!path.startsWith('.')) path = `./${path}`;
  return folder ? `${literal(path)}/` : `${literal(path.replace(/\.ts$/, '.js'))}$`;
}

/**
 * The `@typescript-eslint/no-restricted-imports` settings for the files `depth` folders
 * below `rule.room`: relative imports that leave the room go only where the rule says.
 */
function restrictions(rule, depth) {
  const dir = posix.join(rule.room, ...Array(depth).fill('x'));
  // Within the room: ./ anywhere, ../ as far up as the room itself.
  const inside = [
    '\\./',
    ...Array.from({ length: depth }, (_, up) => `(?:\\.\\./){${up + 1}}(?!\\.\\./)`),
  ];
  const message = `${rule.room}: ${rule.why} (scripts/import-rules.mjs, docs/architecture.md).`;
  if (rule.mayNot !== undefined) {
    const banned = rule.mayNot.map((target) => specifier(dir, target));
    return [{ regex: `^(?:${banned.join('|')})`, message }];
  }
  const may = (rule.may ?? []).map((target) => specifier(dir, target));
  const types = (rule.types ?? []).map((target) => specifier(dir, target));
  const patterns = [
    { regex: `^(?!(?:${[...inside, ...may, ...types].join('|')}))\\.\\.?/`, message },
  ];
  if (types.length > 0) {
    patterns.push({
      regex: `^(?:${types.join('|')})`,
      allowTypeImports: true,
      message: `${message} Types only from ${rule.types.join(', ')}.`,
    });
  }
  return patterns;
}

/** One config block per room and nesting depth (three levels are more than the tree has). */
const importRules = IMPORT_RULES.flatMap((rule) =>
  [0, 1, 2].map((depth) => ({
    files: [`${rule.room}/${'*/'.repeat(depth)}*.{ts,mts,cts}`],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: restrictions(rule, depth) },
      ],
    },
  })),
);

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'coverage/',
      'data/',
      '**/dist/',
      'test/fixtures/plugins/**/*.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Plugin modules default-export definePlugin(...); nothing else in the code does.
    files: ['src/**', 'workers/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'No default exports in src/ (STYLE.md).' },
      ],
    },
  },
  ...importRules,
);
