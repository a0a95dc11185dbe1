import { defineConfig } from 'vitest/config';

// Browser end-to-end tests: the real `trellis serve`, the real runner, the sample app and
// Debian's Chromium driven by playwright-core. One file at a time: they share the machine.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 240_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
