/**
 * Shared helpers for the browser suite: launching Chromium on a persistent profile (for reload,
 * relaunch and crash tests), opening the fixture page, and running code against `window.larder`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execSync } from 'node:child_process';
import { chromium, type BrowserContext, type Page } from '@playwright/test';

export { CHROMIUM_ARGS, executablePath } from '../../scripts/chromium.js';
import { CHROMIUM_ARGS, executablePath } from '../../scripts/chromium.js';

/** The fixture page's URL. */
export function fixtureUrl(): string {
  const port = Number(process.env.LARDER_TEST_PORT ?? 5174);
  return `http://127.0.0.1:${port}/test/browser/fixture/index.html`;
}

/** A fresh profile directory. */
export function freshProfile(): string {
  return mkdtempSync(join(tmpdir(), 'larder-profile-'));
}

/** Launches Chromium on `profile` (a directory that survives relaunches). */
export function launchProfile(profile: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, { executablePath, args: CHROMIUM_ARGS, headless: true });
}

/**
 * Kills the Chromium using `profile` and every process it started (renderers, the worker's
 * process, utilities) with SIGKILL: a crash, not a shutdown. Child processes do not name the
 * profile on their command line, so the whole process group of the browser is killed.
 */
export function killProfile(profile: string): void {
  let pids: string[] = [];
  try {
    pids = execSync(`pgrep -f -- "${profile}"`).toString().split(/\s+/).filter(Boolean);
  } catch {
    return; // pgrep exits 1 when nothing matched: already gone.
  }
  for (const pid of pids) {
    try {
      const pgid = execSync(`ps -o pgid= -p ${pid}`).toString().trim();
      if (pgid && pgid !== '0' && Number(pgid) !== process.pid) process.kill(-Number(pgid), 'SIGKILL');
    } catch {
      // The process exited between the two calls.
    }
  }
}

/** Opens the fixture page in `ctx` and waits until `window.larder` is ready. */
export async function openFixture(ctx: BrowserContext, errors?: string[]): Promise<Page> {
  const page = await ctx.newPage();
  if (errors) {
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  }
  await page.goto(fixtureUrl());
  await page.waitForFunction(() => (window as unknown as { larderReady?: boolean }).larderReady === true);
  return page;
}

/** A unique store name. */
export function storeName(tag: string): string {
  return `${tag}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
}
