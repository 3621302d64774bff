// Lint rules: typescript-eslint's recommended set, imports grouped and ordered, formatting left to Prettier.
import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import importX from 'eslint-plugin-import-x'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {ignores: ['dist/', 'node_modules/', 'samples/', 'coverage/', 'reports/', '.stryker-tmp/']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: {'import-x': importX},
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
    rules: {
      'import-x/order': [
        'error',
        {groups: ['builtin', 'external', 'internal', 'parent', 'sibling', 'index'], 'newlines-between': 'ignore'},
      ],
      'import-x/no-duplicates': 'error',
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none'}],
    },
  },
  {
    files: ['test/**/*.ts'],
    // Tests read JSON output whose shape the assertions check.
    rules: {'@typescript-eslint/no-unused-expressions': 'off', '@typescript-eslint/no-explicit-any': 'off'},
  },
  prettier,
)
