import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('.', import.meta.url));

/**
 * The demo app (`npm start`, `npm run build:demo`). Its root is demo/, but it imports the library
 * from ../src exactly as the fixture page does, so the dev server must be allowed to serve the
 * whole repository: src/ (the page side), src/worker/worker-main.ts (the SharedWorker, loaded via
 * `new URL(..., import.meta.url)`) and build/larder.wasm (fetched by the worker the same way).
 */
export default defineConfig({
  root: fileURLToPath(new URL('./demo', import.meta.url)),
  server: { fs: { allow: [repo] } },
  // The worker is an ES module (it imports Comlink), so it is bundled as one.
  worker: { format: 'es' },
  build: {
    outDir: fileURLToPath(new URL('./build/demo', import.meta.url)),
    emptyOutDir: true,
    // Keep the wasm a separate file: a data: URL would be blocked by nothing, but would bloat the worker.
    assetsInlineLimit: 0,
    target: 'es2022',
  },
});
