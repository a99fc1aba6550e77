/**
 * A scratch app that consumes larder the way a user's app does: from the `npm pack` tarball,
 * installed with npm, bundled by Vite with no config file at all. The package test
 * (test/browser/package.spec.ts) runs it in Chromium and in Node; `npm run size` measures what it
 * ships. Keeping the recipe in one place means the size report and the test describe the same
 * build.
 *
 * Offline-friendly by construction: the tarball's only dependencies (comlink, idb) are in the npm
 * cache after the repo's own install (`--prefer-offline`), and Vite, TypeScript and
 * fake-indexeddb are the repo's copies rather than a second registry install. Vite is run from
 * the repo but with the scratch directory as its root, so it resolves `larder` from the scratch
 * app's node_modules exactly as a consumer's Vite would.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

/** The repo's Vite CLI, run with the scratch app as cwd and root. */
export const VITE_BIN = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');

/** The repo's tsc, for type-checking the scratch app against the packed .d.ts files. */
export const TSC_BIN = require.resolve('typescript/bin/tsc');

/** A built scratch app. */
export interface ConsumerApp {
  /** The app's directory (package.json, index.html, main.js, node_modules/larder). */
  dir: string;
  /** Vite's output: dist/index.html and dist/assets/*. */
  out: string;
  /** The tarball `npm pack` produced. */
  tarball: string;
}

// The whole app: a page that exposes the public API to the test, and a TypeScript file that
// only needs to type-check (the types a consumer's editor would see).
const FILES: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'larder-consumer', private: true, type: 'module' }, null, 2),
  'index.html': '<!doctype html>\n<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>consumer</title></head>\n<body><script type="module" src="/main.js"></script></body></html>\n',
  'main.js': "import * as larder from 'larder';\nwindow.larder = larder;\nwindow.larderReady = true;\n",
  'consumer.ts': [
    "import { openStore, LarderError, type Store, type GraphNode } from 'larder';",
    "const s: Store = await openStore('typed', { worker: false, persist: false });",
    "const v: string | null = await s.kv.get('k');",
    "const { insertedId } = await s.collection<{ n: number }>('c').insertOne({ n: 1 });",
    "const node: GraphNode = await s.graph('g').addNode('P', { a: 1 });",
    'console.log(v, insertedId, node.id, LarderError);',
    '',
  ].join('\n'),
  // No node types and no skipLibCheck: the published .d.ts must stand on DOM + ES2022 alone.
  'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, module: 'esnext', moduleResolution: 'bundler', target: 'es2022', lib: ['es2022', 'dom'], types: [], noEmit: true }, files: ['consumer.ts'] }, null, 2),
};

/** Runs a command in `cwd`; if it fails, the error carries its output (tsc reports on stdout). */
function run(cmd: string, args: string[], cwd: string): void {
  try {
    execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  } catch (e) {
    const { stdout = '', stderr = '' } = e as { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${stdout}${stderr}`.trimEnd());
  }
}

/**
 * Packs the repo (`npm pack` runs `prepack`, i.e. the full `npm run build`, so the tarball is
 * never stale), installs the tarball into a new temp directory and builds it with `vite build`.
 */
export function buildConsumerApp(): ConsumerApp {
  const dir = mkdtempSync(join(tmpdir(), 'larder-consumer-'));
  try {
    return populate(dir);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true }); // the caller never learns the path
    throw e;
  }
}

/** buildConsumerApp's steps, in `dir`. */
function populate(dir: string): ConsumerApp {
  for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
  // The build's own output shares npm's stdout, so the tarball is found on disk, not parsed.
  run('npm', ['pack', '--pack-destination', dir, '--silent'], repo);
  const tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
  run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], dir);
  // After the install, since npm would prune it as extraneous: server-side tests use fake-indexeddb.
  symlinkSync(join(repo, 'node_modules', 'fake-indexeddb'), join(dir, 'node_modules', 'fake-indexeddb'), 'dir');
  run(process.execPath, [VITE_BIN, 'build', '--logLevel', 'warn'], dir);
  return { dir, out: join(dir, 'dist'), tarball };
}

/** What a built app ships, by role: the page's entry, lazily loaded chunks, the worker, the wasm. */
export interface AppFiles {
  entry: string[];
  lazy: string[];
  worker: string[];
  wasm: string[];
}

/**
 * Sorts the files of a Vite build by role. The entry is what index.html loads; the worker is the
 * chunk Vite names after src/worker/worker-main; every other script is loaded on demand (the
 * in-thread engine for `worker: false`, which a worker-using page never fetches).
 */
export function classifyAppFiles(out: string, indexHtml: string): AppFiles {
  const assets = readdirSync(join(out, 'assets'));
  const entryNames = new Set([...indexHtml.matchAll(/(?:src|href)="\/assets\/([^"]+\.js)"/g)].map((m) => m[1]));
  const files: AppFiles = { entry: [], lazy: [], worker: [], wasm: [] };
  for (const f of assets) {
    const path = join(out, 'assets', f);
    if (f.endsWith('.wasm')) files.wasm.push(path);
    else if (!f.endsWith('.js')) continue;
    else if (entryNames.has(f)) files.entry.push(path);
    else if (f.startsWith('worker-main')) files.worker.push(path);
    else files.lazy.push(path);
  }
  return files;
}
