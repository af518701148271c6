// The JavaScript the portal ships (the boot script, app/client/boot.js, and the
// service worker, app/client/sw.js), linted with ESLint's recommended rules:
// `bash .ci/portal.sh lint`.
import js from '@eslint/js';
import globals from 'globals';

export default [
  js.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: globals.browser,
    },
    rules: {
      'no-var': 'error',
      'prefer-const': 'error',
      eqeqeq: 'error',
    },
  },
  {
    files: ['**/sw.js'],
    languageOptions: { sourceType: 'script', globals: globals.serviceworker },
  },
];
