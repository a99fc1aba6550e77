import { defineConfig } from 'vite';

// Serves the browser-test fixture page and the library from source (no build step). No HMR and
// no file watching: a test page must never reload because a file changed under it.
export default defineConfig({
  root: '.',
  server: { fs: { strict: false }, hmr: false, watch: { ignored: ['**/*'] } },
  worker: { format: 'es' },
  logLevel: 'warn',
});
