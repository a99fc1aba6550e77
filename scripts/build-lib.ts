/**
 * The library build (`npm run build`, also run by `npm pack` through `prepack`): src/ compiled by
 * tsc into dist/ with the same layout (ES modules plus .d.ts), then two fix-ups so the published
 * files find the worker and the engine.
 *
 * Why a post-step rather than a bundler: the worker and the wasm are reached with
 * `new URL('<literal>', import.meta.url)`. A consumer's bundler (Vite, webpack 5, Rollup plugins)
 * recognises exactly that pattern and emits the worker and the wasm as assets of the app, so
 * nobody has to configure anything, but only if the literal names a file that exists next to the
 * published module. tsc keeps the layout (dist/client/open-store.js still sits one directory
 * below dist/worker/) but does not touch string literals, so:
 *   - the worker URL says `worker-main.ts` in the source (the dev server serves TypeScript) and
 *     must say `worker-main.js` in dist;
 *   - the wasm URL points at build/larder.wasm, outside src, and must point at dist/larder.wasm,
 *     where this script copies it (also the `larder/larder.wasm` export).
 * Each rewrite must match exactly the expected number of times: if the source changes shape, the
 * build fails here instead of publishing a package whose worker 404s.
 */
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const repo = fileURLToPath(new URL('..', import.meta.url));
const dist = join(repo, 'dist');

/** One literal to rewrite in one emitted file, and how many times it must occur. */
interface Rewrite {
  file: string;
  from: string;
  to: string;
  count: number;
}

const REWRITES: Rewrite[] = [
  // SharedWorker, leader-elected Worker and plain Worker: three constructions of the same entry.
  { file: 'client/open-store.js', from: "new URL('../worker/worker-main.ts', import.meta.url)", to: "new URL('../worker/worker-main.js', import.meta.url)", count: 3 },
  { file: 'core/engine.js', from: "new URL('../../build/larder.wasm', import.meta.url)", to: "new URL('../larder.wasm', import.meta.url)", count: 1 },
];

/** Replaces every occurrence of `r.from` in dist/`r.file`, failing unless there are `r.count`. */
function rewrite(r: Rewrite): void {
  const path = join(dist, r.file);
  const text = readFileSync(path, 'utf8');
  const found = text.split(r.from).length - 1;
  if (found !== r.count) throw new Error(`build-lib: expected ${r.count} × ${r.from} in dist/${r.file}, found ${found}; update scripts/build-lib.ts to the source`);
  writeFileSync(path, text.split(r.from).join(r.to));
}

/** Builds dist/ from scratch: tsc, the URL rewrites, the wasm copied in. */
function buildLib(): void {
  const wasm = join(repo, 'build', 'larder.wasm');
  if (!existsSync(wasm)) throw new Error('build-lib: build/larder.wasm is missing; run `npm run build:wasm` first');
  // A stale file from a removed module must not ship, so dist/ starts empty.
  rmSync(dist, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(repo, 'tsconfig.build.json')], { cwd: repo, stdio: 'inherit' });
  for (const r of REWRITES) rewrite(r);
  copyFileSync(wasm, join(dist, 'larder.wasm'));
}

buildLib();
