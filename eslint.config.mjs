import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      '.steward/',
      'coverage/',
      'apps/admin-api/src/generated/',
      'apps/admin-web/dist/',
      'apps/admin-web/src/generated/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      // Apps import libs, never each other; libs never import apps.
      'no-restricted-imports': 'off',
    },
  },
  {
    files: ['libs/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/apps/**'], message: 'libs never import apps' }] },
      ],
    },
  },
  {
    files: ['apps/agent-runtime/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/admin-api/**', '**/admin-web/**', '**/generated/prisma/**'],
              message: 'the runtime never imports another app or Prisma',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/admin-api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/agent-runtime/**', '**/admin-web/**'],
              message: 'apps never import each other',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/admin-api/src/platform/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/modules/**'], message: 'platform never imports modules' }] },
      ],
    },
  },
  {
    // Small files and functions a reader can hold in mind; tests may be longer.
    files: ['**/*.{ts,tsx}'],
    ignores: ['**/*.spec.ts', '**/*.e2e-spec.ts', 'test/**'],
    rules: { 'max-lines': ['error', 500], 'max-lines-per-function': ['error', 80] },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
