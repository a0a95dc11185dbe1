import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// `npm run dev` talks to a `trellis serve` on the default port; the built app is served by
// trellis itself (same origin), so production needs no proxy.
const server = process.env.TRELLIS_URL ?? 'http://127.0.0.1:7878';

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/api': { target: server, ws: true },
      '/sites': { target: server },
    },
  },
  build: {
    sourcemap: true,
  },
  test: {
    globals: true,
    environment: 'jsdom',
    setupFiles: ['src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    testTimeout: 30_000,
  },
});
