// ESLint: neostandard's rules in the style the tree already has (no semicolons, single quotes,
// 2 spaces, no space before a named function's parentheses), lines up to 140 characters, plus the
// type-aware promise rules of typescript-eslint. `npm run lint` runs it with knip; `npm test` runs both.
import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['**/dist/**', '**/node_modules/**', '.data/**', '.tap/**', 'coverage/**'] }),
  {
    rules: {
      '@stylistic/space-before-function-paren': ['error', { anonymous: 'always', named: 'never', asyncArrow: 'always' }],
      // Short objects stay on one line, longer ones wrap where they read best.
      '@stylistic/object-property-newline': 'off',
      // A TypeBox schema and its static type share a name.
      '@typescript-eslint/no-redeclare': 'off',
      // `void promise` marks a promise whose outcome is handled elsewhere.
      'no-void': ['error', { allowAsStatement: true }],
      '@stylistic/operator-linebreak': 'off',
      // Background loops (heartbeat traffic, readiness polls) run until another task clears their
      // flag between two awaits, which this rule cannot see.
      'no-unmodified-loop-condition': 'off',
      '@stylistic/max-len': ['error', {
        code: 140, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true,
      }],
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        // Sources, tests, benchmarks and the client's build scripts; the example extension has a
        // program of its own (DOM and chrome types).
        project: ['./tsconfig.test.json', './examples/chrome-extension/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        // tap queues `t.test(...)` and top-level `test(...)` itself.
        allowForKnownSafePromises: [{ from: 'package', package: '@tapjs/core', name: 'PromiseWithSubtest' }],
      }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
]
