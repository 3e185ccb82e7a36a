// One lint configuration for the monorepo. Package boundaries are errors, not
// warnings: domain ← db ← engine ← agents / api ← apps, and only env files read process.env.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

const internal = ['domain', 'telemetry', 'db', 'engine', 'agents', 'api', 'testing'];

/**
 * Forbid importing any internal package not listed in `allowed` (and every app).
 * `except` re-allows single entry points of a banned package (`@flightdeck/x/y`):
 * the package's root is then banned by exact name (a gitignore-style group
 * pattern on the root would also cover everything under it, beyond any `!`),
 * its other entry points and everything under the excepted one stay banned.
 */
function boundary(files, allowed, extra = [], allowTypeImports = false, except = []) {
  const message =
    'This import crosses a package boundary (see ARCHITECTURE.md: domain ← db ← engine ← agents / api ← apps).';
  const banned = internal.filter((p) => !allowed.includes(p)).map((p) => `@flightdeck/${p}`);
  const hasException = (b) => except.some((e) => e.startsWith(`${b}/`));
  const group = banned.flatMap((b) => {
    if (!hasException(b)) return [b, `${b}/*`];
    const kept = except.filter((e) => e.startsWith(`${b}/`));
    return [`${b}/*`, ...kept.flatMap((e) => [`!${e}`, `${e}/*`])];
  });
  const paths = banned.filter(hasException).map((name) => ({ name, allowTypeImports, message }));
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths,
          patterns: [
            {
              group: [...group, '@flightdeck/web', '@flightdeck/worker', ...extra],
              allowTypeImports,
              message,
            },
          ],
        },
      ],
    },
  };
}

const tests = ['**/*.test.ts', '**/*.int.test.ts', '**/test/**', '**/vitest.config.ts'];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/.next/**',
      '**/.turbo/**',
      '**/dist/**',
      'packages/db/src/generated/**',
      'e2e/test-results/**',
      'e2e/playwright-report/**',
      '**/next-env.d.ts',
      '**/*.config.js',
      '**/*.config.mjs',
      'scripts/**',
      'e2e/**/*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { attributes: false } },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read configuration only in an env.ts file (one zod schema per app).',
        },
      ],
    },
  },
  { files: ['**/env.ts', ...tests, 'e2e/**'], rules: { 'no-restricted-properties': 'off' } },
  // expect.any() and friends are typed `any`.
  {
    files: tests,
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  boundary(
    ['packages/domain/**'],
    [],
    ['zod/*', 'node:*', 'ioredis', 'bullmq', 'pg', '@prisma/*', 'next', 'react'],
  ),
  boundary(['packages/telemetry/**'], ['domain']),
  boundary(['packages/db/**'], ['domain', 'testing']),
  boundary(['packages/engine/**'], ['domain', 'telemetry', 'db', 'testing']),
  boundary(['packages/agents/**'], ['domain', 'telemetry', 'db', 'engine', 'testing']),
  boundary(['packages/api/**'], ['domain', 'telemetry', 'db', 'engine', 'testing']),
  boundary(['packages/testing/**'], []),
  boundary(
    ['apps/worker/**'],
    ['domain', 'telemetry', 'db', 'engine', 'agents', 'testing'],
    ['next', 'next/*', 'react', 'react-dom', '@trpc/*'],
  ),
  boundary(['apps/web/**'], ['domain', 'telemetry', 'db', 'engine', 'api', 'testing'], ['bullmq']),
  // Browser code: the domain, plus the telemetry's pure span derivation (the trace waterfall) — not the rest of telemetry.
  boundary(
    ['apps/web/src/app/**', 'apps/web/src/components/**', 'apps/web/src/client/**'],
    ['domain'],
    ['bullmq', 'ioredis', 'pg', 'node:*'],
    true,
    ['@flightdeck/telemetry/spans'],
  ),
  prettier,
);
