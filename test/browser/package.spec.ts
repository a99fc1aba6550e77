/**
 * The published package, as a user gets it: `npm pack` (which runs the build), the tarball
 * installed into a scratch app, and that app bundled by Vite with no config file. It must work
 * with nothing configured: the worker and the wasm found by the consumer's bundler, data back
 * after a reload and a browser relaunch, the same tarball importable in Node 20, and its types
 * usable.
 *
 * A Playwright spec rather than a vitest test: it needs Chromium, and the browser suite runs one
 * test at a time, so the pack and the Vite build do not compete for the machine's two cores with
 * the parallel unit tests.
 */
import { expect, test, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, preview, type Plugin } from 'vite';
import { buildConsumerApp, TSC_BIN, type ConsumerApp } from '../../scripts/consumer-app.js';
import { freshProfile, launchProfile, storeName } from './helpers.js';

let app: ConsumerApp;

test.beforeAll(() => {
  app = buildConsumerApp();
});

test.afterAll(() => {
  if (app) rmSync(app.dir, { recursive: true, force: true });
});

/** Records every path a Vite server is asked for, to prove the worker and the wasm came from it. */
function requestLog(seen: string[]): Plugin {
  // Returns nothing: a function returned from these hooks would be run as a post-middleware hook.
  const log = (server: { middlewares: { use(fn: (req: { url?: string }, res: unknown, next: () => void) => void): unknown } }): void => {
    server.middlewares.use((req, _res, next) => {
      seen.push(req.url ?? '');
      next();
    });
  };
  return { name: 'request-log', configureServer: log, configurePreviewServer: log };
}

/** Opens the scratch app's page and waits for `window.larder`, collecting page errors. */
async function openApp(page: Page, url: string, errors: string[]): Promise<void> {
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { larderReady?: boolean }).larderReady === true);
}

/** One write per model: a kv string, a document, two nodes and an edge. */
function writeAll(page: Page, name: string): Promise<number> {
  return page.evaluate(async (name) => {
    const s = await (window as any).larder.openStore(name);
    await s.kv.set('greeting', 'hello');
    await s.collection('people').insertOne({ name: 'Ada', born: 1815 });
    const g = s.graph('social');
    const a = await g.addNode('Person', { name: 'Ada' });
    const b = await g.addNode('Person', { name: 'Charles' });
    await g.addEdge(a.id, b.id, 'KNOWS', { since: 1833 });
    await s.close();
    return a.id as number;
  }, name);
}

/** Reads back what writeAll wrote: one read per model. */
function readAll(page: Page, name: string, ada: number, destroy = false): Promise<unknown> {
  return page.evaluate(async ({ name, ada, destroy }) => {
    const s = await (window as any).larder.openStore(name);
    const greeting = await s.kv.get('greeting');
    const doc = await s.collection('people').findOne({ name: 'Ada' }, { projection: { _id: 0 } });
    const friends = (await s.graph('social').neighbors(ada, { direction: 'out' })).map((n: { properties: { name: string } }) => n.properties.name);
    if (destroy) await s.destroy();
    else await s.close();
    return { greeting, doc, friends };
  }, { name, ada, destroy });
}

const EXPECTED = { greeting: 'hello', doc: { name: 'Ada', born: 1815 }, friends: ['Charles'] };

test("a consumer's `vite build` runs in Chromium: worker and wasm bundled, data back after reload and relaunch", async () => {
  const assets = readdirSync(join(app.out, 'assets'));
  expect(assets.filter((f) => f.endsWith('.wasm'))).toHaveLength(1);
  expect(assets.filter((f) => f.startsWith('worker-main'))).toHaveLength(1);
  // Node-only modules stay out of the browser bundle (engine.ts reaches node:fs only dynamically,
  // by a variable name, and fake-indexeddb is for Node tests).
  for (const f of assets.filter((f) => f.endsWith('.js'))) {
    const code = readFileSync(join(app.out, 'assets', f), 'utf8');
    expect(code, f).not.toMatch(/\bfrom\s*["'`](node:|fake-indexeddb)|\brequire\(\s*["'`]node:/);
  }

  const seen: string[] = [];
  const server = await preview({ root: app.dir, configFile: false, logLevel: 'warn', plugins: [requestLog(seen)], preview: { host: '127.0.0.1', port: 0 } });
  const profile = freshProfile();
  const errors: string[] = [];
  try {
    const url = server.resolvedUrls!.local[0];
    const name = storeName('package');
    let ctx = await launchProfile(profile);
    let page = await ctx.newPage();
    await openApp(page, url, errors);
    const ada = await writeAll(page, name);
    expect(seen.some((u) => /^\/assets\/worker-main-[^/]+\.js/.test(u)), seen.join(' ')).toBe(true);
    expect(seen.some((u) => /^\/assets\/[^/]+\.wasm/.test(u)), seen.join(' ')).toBe(true);

    await page.reload();
    await page.waitForFunction(() => (window as unknown as { larderReady?: boolean }).larderReady === true);
    expect(await readAll(page, name, ada)).toEqual(EXPECTED);

    // A relaunch proves the data came from IndexedDB, not from a worker that outlived the page.
    await ctx.close();
    ctx = await launchProfile(profile);
    page = await ctx.newPage();
    await openApp(page, url, errors);
    expect(await readAll(page, name, ada, true)).toEqual(EXPECTED);
    await ctx.close();
    expect(errors).toEqual([]);
  } finally {
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test("a consumer's `vite` dev server serves the package too (dependency pre-bundling included)", async ({ page }) => {
  const seen: string[] = [];
  // Default dev settings, pre-bundling on: what `npx vite` does in the consumer's app.
  const server = await createServer({ root: app.dir, configFile: false, logLevel: 'warn', plugins: [requestLog(seen)], server: { host: '127.0.0.1', port: 0, strictPort: false } });
  const errors: string[] = [];
  try {
    await server.listen();
    await openApp(page, server.resolvedUrls!.local[0], errors);
    const name = storeName('package-dev');
    const ada = await writeAll(page, name);
    expect(await readAll(page, name, ada, true)).toEqual(EXPECTED);
    expect(seen.some((u) => u.includes('worker-main.js')), seen.join(' ')).toBe(true);
    expect(seen.some((u) => u.includes('larder.wasm')), seen.join(' ')).toBe(true);
    expect(errors).toEqual([]);
  } finally {
    await server.close();
  }
});

test('the same tarball runs in Node 20 (in memory and over fake-indexeddb) and its types check', async () => {
  // A module in the scratch app, so `larder` resolves through its package.json `exports`.
  writeFileSync(join(app.dir, 'node-check.mjs'), `
    import 'fake-indexeddb/auto';
    import { openStore } from 'larder';
    const out = { resolved: import.meta.resolve('larder') };
    const mem = await openStore('mem', { worker: false, persist: false });
    await mem.kv.set('k', 'v');
    await mem.collection('c').insertOne({ n: 1 });
    const g = mem.graph();
    const a = await g.addNode('N', { n: 1 });
    const b = await g.addNode('N', { n: 2 });
    await g.addEdge(a.id, b.id, 'E');
    out.memory = { kv: await mem.kv.get('k'), doc: (await mem.collection('c').findOne({}, { projection: { _id: 0 } })), neighbors: (await g.neighbors(a.id)).map((n) => n.properties.n) };
    await mem.close();
    // Persisted through fake-indexeddb: a reopen reads it back from "disk".
    const disk = await openStore('disk', { worker: false });
    await disk.kv.set('k', 'persisted');
    await disk.close();
    const again = await openStore('disk', { worker: false });
    out.reopened = await again.kv.get('k');
    await again.destroy();
    console.log(JSON.stringify(out));
  `);
  const out = JSON.parse(execFileSync(process.execPath, ['node-check.mjs'], { cwd: app.dir, encoding: 'utf8' }));
  expect(out.resolved).toMatch(/\/node_modules\/larder\/dist\/index\.js$/);
  expect(out.memory).toEqual({ kv: 'v', doc: { n: 1 }, neighbors: [2] });
  expect(out.reopened).toBe('persisted');

  // The packed .d.ts files, seen by a strict consumer without @types/node or skipLibCheck.
  try {
    execFileSync(process.execPath, [TSC_BIN, '-p', app.dir], { cwd: app.dir, encoding: 'utf8' });
  } catch (e) {
    throw new Error(`the consumer's type check failed:\n${(e as { stdout?: string }).stdout}`);
  }
});
