import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

/**
 * Browser suite: real Chromium (Debian's /usr/bin/chromium when present, else Playwright's own if
 * one is installed), real IndexedDB, real workers. The Vite dev server serves a fixture page that
 * imports the library from source.
 */
const systemChromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
const PORT = Number(process.env.LARDER_TEST_PORT ?? 5174);

export default defineConfig({
  testDir: 'test/browser',
  timeout: 120_000,
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    launchOptions: {
      executablePath: systemChromium,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    },
  },
  webServer: {
    command: `npx vite --config vite.test.config.ts --port ${PORT} --strictPort --host 127.0.0.1`,
    url: `http://127.0.0.1:${PORT}/test/browser/fixture/index.html`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
