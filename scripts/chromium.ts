/**
 * How this project launches Chromium, in one place: the test suite, the Playwright config and the
 * browser benchmark all use these.
 */
import { existsSync } from 'node:fs';

/** The flags this machine needs: root (no sandbox), no GPU, no network chatter. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Debian's Chromium when present; undefined lets Playwright use its own (if one is installed). */
export const executablePath: string | undefined = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
