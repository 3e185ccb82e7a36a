import { defineConfig } from 'vitest/config';

// Unit tests of the harnesses' pure parts (charts, report, /proc parsing): fast, no stack.
// The browser tests under tests/ are Playwright's (`npm run test:e2e`).
export default defineConfig({
  test: {
    include: ['bench/**/*.test.ts', 'lib/**/*.test.ts'],
  },
});
