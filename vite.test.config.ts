import { defineConfig } from 'vite';

// Serves the browser-test fixture page and the library from source (no build step).
export default defineConfig({
  root: '.',
  server: { fs: { strict: false } },
  worker: { format: 'es' },
  logLevel: 'warn',
});
