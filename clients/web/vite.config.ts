import { defineConfig } from 'vite';

/**
 * Preact through esbuild's automatic JSX runtime: no framework plugin needed. In development the
 * API, WebSocket and media endpoints are proxied to the all-in-one server (`npm start`).
 */
const backend = 'http://127.0.0.1:8080';

export default defineConfig({
  root: import.meta.dirname,
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, target: 'es2022' },
  server: {
    proxy: {
      '/api': backend,
      '/.well-known': backend,
      '/collab': { target: backend, ws: true },
      '/media': { target: backend, ws: true },
    },
  },
});
