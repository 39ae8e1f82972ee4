import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '.cache/**',
      '**/dist/**',
      '.data/**',
      '**/.data/**',
      'load-tests/build/**',
      'load-tests/results/**',
      // Starter katas are what a dojo starts from, in each language's own style, not the project's code.
      'runner/start-points/*/kata/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // A package is reached only through its public entry: the modules its package.json "exports" lists
    // (test aids other packages use are listed as `./testing/…`). A relative path into another package's
    // folder, or a deep import the exports do not list, is an error.
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver()] },
    rules: {
      'import-x/no-relative-packages': 'error',
      'import-x/no-unresolved': ['error', { ignore: ['^(?!@pocdojo/)'] }],
    },
  },
);
