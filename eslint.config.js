// The code linter for every package (`npm run lint`, CI: zero warnings).
// Type-aware: typescript-eslint reads each package's tsconfig through the project service,
// so rules such as no-floating-promises see the real types. Formatting is Prettier's job
// (`npm run format`); eslint-config-prettier turns off the rules that would fight it.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import svelteConfig from './miniapp/svelte.config.js';

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'sdk/src/generated/**', 'cli/oclif.manifest.json', '**/*.d.ts', 'coverage/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...svelte.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.mjs', 'bench/*.mjs', '.ci/*.mjs', 'scripts/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.svelte'],
      },
    },
    rules: {
      // The store adapters implement an async port with synchronous code (better-sqlite3):
      // an async method without an await is how they keep the port's signature.
      '@typescript-eslint/require-await': 'off',
      // Passing on what was caught or an AbortSignal's reason is fine; a literal is not.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // `_`-prefixed names are deliberately unused (a handler's unused request, a rest sibling).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['miniapp/src/**/*.{ts,svelte}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, svelteConfig },
    },
  },
  {
    // Tests read JSON bodies and fakes' wire payloads as `any` on purpose: asserting on
    // them is the test. Everything else still applies (floating promises, misused ones).
    files: ['**/test/**', '**/*.test.ts', 'testkit/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Fakes stringify whatever a client sent, as the real servers do.
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
      // `http.createServer(async (request, response) => …)` and friends: Node ignores the promise, the handler catches.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      // Methods taken from a store under test are called on it (`vi.spyOn`, `describe.each` rows).
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // Plain JavaScript (benches, config files, scripts): no type information to lean on.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  prettier,
  ...svelte.configs.prettier,
);
