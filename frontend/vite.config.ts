import { defineConfig } from 'vitest/config';

// In `vite dev`, /api goes to the backend (APP_BIND_ADDRESS of scripts/dev.sh);
// set VITE_PROXY_TARGET to point it elsewhere. The app always calls the API on
// its own origin (cookie mode: README.md), here through the proxy, which keeps
// the browser's Host (changeOrigin: false) so that the backend sees the
// request's Origin as its own.
const proxyTarget = process.env.VITE_PROXY_TARGET ?? 'http://127.0.0.1:8080';

export default defineConfig({
  // Preact's automatic JSX runtime, compiled by Vite's own transformer (Oxc).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: { '/api': { target: proxyTarget, changeOrigin: false } },
  },
  preview: { host: '127.0.0.1', port: 4173 },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Everything as files under /assets/ (the CSP has no 'unsafe-inline' and no data: scripts).
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
  },
});
