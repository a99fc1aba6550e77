/**
 * Shared helpers for the browser suite: launching Chromium on a persistent profile (for reload,
 * relaunch and crash tests), opening the fixture page, and running code against `window.larder`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
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
 * profile on their command line, so the whole process group of the browser is killed. Returns how
 * many processes matched the profile and had their group SIGKILLed, so a caller can insist the
 * kill happened (0 means nothing was running, or the signal could not be sent).
 */
export function killProfile(profile: string): number {
  let pids: number[] = [];
  try {
    // execFileSync, not a shell: a shell's own command line would name the profile and match.
    pids = execFileSync('pgrep', ['-f', '--', profile]).toString().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return 0; // pgrep exits 1 when nothing matched: already gone.
  }
  const own = ownProcessGroup();
  const groups = new Map<number, number>();
  for (const pid of pids) {
    try {
      const pgid = Number(execFileSync('ps', ['-o', 'pgid=', '-p', String(pid)]).toString().trim());
      // Never signal the test runner's own group (the browser is launched detached, in its own).
      if (pgid > 1 && pgid !== own && pgid !== process.pid) groups.set(pgid, (groups.get(pgid) ?? 0) + 1);
    } catch {
      // The process exited between the two calls.
    }
  }
  let killed = 0;
  for (const [pgid, n] of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
      killed += n;
    } catch {
      // The whole group was already gone.
    }
  }
  return killed;
}

/** This process's group id, or -1 if ps cannot tell. */
function ownProcessGroup(): number {
  try {
    return Number(execFileSync('ps', ['-o', 'pgid=', '-p', String(process.pid)]).toString().trim());
  } catch {
    return -1;
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
