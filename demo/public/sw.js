// @ts-check
/// <reference lib="webworker" />
/**
 * The demo's service worker: after one visit the demo opens, and its store works, offline.
 *
 * Plain JavaScript in demo/public/ because a service worker must be served as-is at a stable
 * URL whose directory covers everything it controls: `npm start` and the production build serve
 * it at /sw.js, and vite.test.config.ts points its publicDir here so the tests do too. Its scope
 * must reach the Larder SharedWorker (at /src/worker/… under the dev servers): a SharedWorker is
 * controlled by the registration covering its own URL, not its page's, and offline it can only
 * start if its script, imports and wasm come from this worker's cache.
 *
 * Network first, cache as the fallback, for every same-origin GET: online, everything comes from
 * the server exactly as without a service worker (so `npm start` users never run stale code after
 * an edit) and each good response is kept; offline, the last good copy answers. The first visit
 * loaded its files before this worker existed, so the page asks it (a `precache` message) to fetch
 * what it loaded and everything reachable from there: the modules each script imports, the
 * SharedWorker and its imports, the wasm. Those are found by reading the import specifiers and
 * `new URL('…', import.meta.url)` literals in each script, which works the same on Vite's dev
 * server (one request per module) and on the built bundle.
 */

const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));
const CACHE = 'larder-demo-offline-v1';
/** A runaway guard for the crawl (the dev server's module graph is a few hundred files). */
const MAX_FILES = 3000;

// A new version takes over at once: it only changes what happens offline, never what a page sees online.
sw.addEventListener('install', () => void sw.skipWaiting());
// Take the open pages (and their SharedWorker) now, so the first visit is already covered.
sw.addEventListener('activate', (event) => event.waitUntil(sw.clients.claim()));

sw.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== sw.location.origin) return;
  event.respondWith(networkFirst(req, event));
});

/**
 * The server's answer when there is one (kept for later), else the cached copy; a navigation with
 * neither gets the cached page of its directory (index.html), as a static server would answer.
 * @param {Request} req
 * @param {FetchEvent} event
 */
async function networkFirst(req, event) {
  try {
    const res = await fetch(req);
    if (cacheable(res)) {
      const copy = res.clone();
      event.waitUntil(caches.open(CACHE).then((c) => c.put(req.url, copy)).catch(() => {}));
    }
    return res;
  } catch (err) {
    const cache = await caches.open(CACHE);
    const hit = (await cache.match(req.url, { ignoreVary: true })) ?? (req.mode === 'navigate' ? await cache.match(new URL('index.html', req.url).href, { ignoreVary: true }) : undefined);
    if (hit) return hit;
    throw err;
  }
}

/**
 * Only whole, successful, same-origin answers: a 206 cannot be stored and an error page must not
 * stand in for the file offline.
 * @param {Response} res
 */
function cacheable(res) {
  return res.status === 200 && res.type === 'basic';
}

/** @type {Promise<number> | undefined} */
let crawling;

sw.addEventListener('message', (event) => {
  const data = /** @type {{ type?: string, urls?: unknown }} */ (event.data ?? {});
  if (data.type !== 'precache' || !Array.isArray(data.urls)) return;
  const port = event.ports[0];
  const urls = data.urls.filter((u) => typeof u === 'string');
  // Tabs opened together share one crawl; a later message (another page load) starts a fresh one.
  crawling ??= precache(urls).finally(() => { crawling = undefined; });
  event.waitUntil(crawling.then(
    (files) => port?.postMessage({ ok: true, files }),
    (e) => port?.postMessage({ ok: false, error: String(e) }),
  ));
});

/**
 * Makes sure `seeds` and everything they reference are in the cache. What is already cached is
 * read from the cache (the page's own load just refreshed it through `networkFirst`); what is
 * missing is fetched. Returns how many files the demo needs offline.
 * @param {string[]} seeds
 */
async function precache(seeds) {
  const cache = await caches.open(CACHE);
  const seen = new Set();
  const queue = [];
  const add = (/** @type {string} */ u) => {
    const url = sameOrigin(u);
    if (url && !seen.has(url) && seen.size < MAX_FILES) {
      seen.add(url);
      queue.push(url);
    }
  };
  seeds.forEach(add);
  let files = 0;
  while (queue.length > 0) {
    // A few at a time: the dev server answers each module separately.
    const batch = queue.splice(0, 8);
    await Promise.all(batch.map(async (url) => {
      let res = await cache.match(url, { ignoreVary: true });
      if (!res) {
        res = await fetch(url).catch(() => undefined);
        if (!res || !cacheable(res)) return;
        await cache.put(url, res.clone());
      }
      files++;
      const type = res.headers.get('content-type') ?? '';
      if (/javascript|ecmascript|typescript/.test(type)) for (const ref of scriptRefs(await res.text())) add(new URL(ref, url).href);
      else if (/html/.test(type)) for (const ref of htmlRefs(await res.text())) add(new URL(ref, url).href);
    }));
  }
  return files;
}

/**
 * The URL without its fragment if it is this origin's, else undefined.
 * @param {string} u
 */
function sameOrigin(u) {
  try {
    const url = new URL(u, sw.location.href);
    url.hash = '';
    return url.origin === sw.location.origin && url.protocol.startsWith('http') ? url.href : undefined;
  } catch {
    return undefined;
  }
}

// A quoted relative or absolute path (the build quotes with backticks): a bare name ('node:fs',
// 'comlink') is never a file here, and a template with a `${…}` in it cannot be resolved.
const PATH = String.raw`(["'\x60])((?:\.{1,2}/|/)[^"'\x60\s$]*)\1`;
const IMPORT_RE = new RegExp(String.raw`(?:\bfrom|\bimport)\s*\(?\s*` + PATH, 'g');
const NEW_URL_RE = new RegExp(String.raw`\bnew\s+URL\(\s*(?:/\*.*?\*/\s*)?` + PATH, 'g');

/**
 * Paths a script imports (static, dynamic, side-effect) or resolves with `new URL('…',
 * import.meta.url)` (workers, wasm).
 * @param {string} text
 */
function scriptRefs(text) {
  return [...text.matchAll(IMPORT_RE), ...text.matchAll(NEW_URL_RE)].map((m) => m[2]);
}

/**
 * Paths of a page's scripts and stylesheets.
 * @param {string} text
 */
function htmlRefs(text) {
  return [...text.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*(["'])([^"']+)\1/gi)].map((m) => m[2]);
}
