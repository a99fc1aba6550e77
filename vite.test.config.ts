import { defineConfig } from 'vite';

// Serves the browser-test fixture page and the library from source (no build step). No HMR and
// no file watching: a test page must never reload because a file changed under it.
export default defineConfig({
  root: '.',
  // The demo's service worker is served at /sw.js, as `npm start` and the build serve it: a
  // service worker's scope cannot reach above its own directory, and the demo's must cover the
  // SharedWorker under /src/. Nothing else lives in demo/public, and no other page registers it.
  publicDir: 'demo/public',
  server: { fs: { strict: false }, hmr: false, watch: { ignored: ['**/*'] } },
  worker: { format: 'es' },
  logLevel: 'warn',
});
