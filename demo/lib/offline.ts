/**
 * Offline support from the page's side: registers the demo's service worker (demo/public/sw.js)
 * and asks it to keep a copy of everything this page loaded, so the next visit works without a
 * network. The worker itself decides nothing about freshness: online, every file still comes from
 * the server.
 */
/// <reference types="vite/client" />

/** How the offline copy stands: not possible here, being made, ready (with its size), or failed. */
export type OfflineState = { state: 'unsupported' } | { state: 'caching' } | { state: 'ready'; files: number } | { state: 'failed'; error: string };

/**
 * Registers the service worker and, once it is active, has it cache this page's files and all
 * they reference. `report` hears each state change. Never throws: the demo works the same without
 * offline support (a private window may refuse service workers).
 */
export async function keepOffline(report: (s: OfflineState) => void): Promise<void> {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) {
    report({ state: 'unsupported' });
    return;
  }
  try {
    report({ state: 'caching' });
    // At the site's root (BASE_URL), not beside this page, so its scope covers the SharedWorker too.
    await navigator.serviceWorker.register(`${import.meta.env.BASE_URL}sw.js`);
    const reg = await navigator.serviceWorker.ready;
    const files = await askToPrecache(reg.active!, loadedUrls());
    report({ state: 'ready', files });
  } catch (e) {
    report({ state: 'failed', error: e instanceof Error ? e.message : String(e) });
  }
}

/** This page and every same-origin file it has fetched so far (scripts, styles, the wasm). */
function loadedUrls(): string[] {
  const urls = [location.href, ...performance.getEntriesByType('resource').map((e) => e.name)];
  return urls.filter((u) => u.startsWith(location.origin));
}

/** Sends the `precache` message and waits for the worker's answer on a private channel. */
function askToPrecache(worker: ServiceWorker, urls: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = (e: MessageEvent<{ ok: boolean; files?: number; error?: string }>) => {
      port1.close();
      if (e.data.ok) resolve(e.data.files ?? 0);
      else reject(new Error(e.data.error ?? 'the service worker could not cache the demo'));
    };
    worker.postMessage({ type: 'precache', urls }, [port2]);
  });
}
