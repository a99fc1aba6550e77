/**
 * `npm run size`: what larder costs an app, measured where it matters, in a consumer's production
 * build (the scratch app of scripts/consumer-app.ts: the packed tarball bundled by `vite build`),
 * not in dist/, whose unbundled modules and comments say little about what users download.
 *
 * Reported by role, raw and gzipped: the page's entry (loaded by every page that imports larder),
 * the worker script and the wasm (fetched once the first store opens), and the lazy chunks (the
 * in-thread engine behind `worker: false`, never fetched by a page using the worker).
 *
 * `npm run size -- <dir>` measures an existing Vite output directory instead of building one.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildConsumerApp, classifyAppFiles, type AppFiles } from './consumer-app.js';

/** Bytes as kB with one decimal, the unit Vite's own report uses. */
const kb = (n: number): string => `${(n / 1000).toFixed(1)} kB`;

/** Prints one row per role: file count, total raw size and total gzipped size. */
function report(files: AppFiles): void {
  const rows = (Object.keys(files) as Array<keyof AppFiles>).map((role) => {
    const bytes = files[role].map((f) => readFileSync(f));
    const raw = bytes.reduce((a, b) => a + b.length, 0);
    const gz = bytes.reduce((a, b) => a + gzipSync(b, { level: 9 }).length, 0);
    return { role, files: files[role].length, raw: kb(raw), gzip: kb(gz) };
  });
  console.table(rows);
}

const given = process.argv[2];
if (given) {
  report(classifyAppFiles(given, readFileSync(join(given, 'index.html'), 'utf8')));
} else {
  const app = buildConsumerApp();
  try {
    report(classifyAppFiles(app.out, readFileSync(join(app.out, 'index.html'), 'utf8')));
  } finally {
    rmSync(app.dir, { recursive: true, force: true });
  }
}
