// ESLint for the TypeScript and Vue code (and the few .mjs runners): the
// recommended rules of ESLint, typescript-eslint and eslint-plugin-vue, the
// layers' import boundaries (scripts/lint/import-boundaries.mjs), and
// nothing about layout: Prettier owns that (eslint-config-prettier turns the
// overlapping rules off). `npm run lint` runs it; npm test runs it too.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { importBoundaries } from './scripts/lint/import-boundaries.mjs';

export default tseslint.config(
  {
    // Build outputs and what the native and kernel builds leave, never linted.
    ignores: ['renderer/dist/**', 'native/**', 'kernel/**', 'test-output/**', 'build/out/**', 'dist/**', '**/node_modules/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    plugins: { kucomms: { rules: { 'import-boundaries': importBoundaries } } },
    rules: {
      'kucomms/import-boundaries': 'error',
      // `let x; ... later x = ...` read by a closure made before the assignment is the point, not a mistake.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // `const { left, ...rest } = o` is how a field is dropped from a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    files: ['renderer/src/**', 'renderer/test/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  prettier,
);
