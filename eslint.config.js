// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
  {
    files: ['workers/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./src/(?!plugin-side/|transport/|sdk/|contracts/|errors\\.js$)',
              message:
                'workers/ may import only src/plugin-side, src/transport, src/sdk, src/contracts and src/errors.',
            },
          ],
        },
      ],
    },
  },
  {
    // The plugin side runs inside plugin threads: it never reaches into host-side rooms.
    files: ['src/plugin-side/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex:
                '^\\.\\./(?!plugin-side/|transport/|sdk/|contracts/|errors\\.js$|plain-object\\.js$)',
              message:
                'src/plugin-side may import only src/transport, src/sdk, src/contracts, src/errors and src/plain-object.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/isolation/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./supervisor/',
              message: 'src/isolation must not import src/supervisor (the supervisor imports it).',
            },
          ],
        },
      ],
    },
  },
);
