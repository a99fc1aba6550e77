import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, executablePath } from './scripts/chromium.js';

/**
 * Browser suite: real Chromium (Debian's /usr/bin/chromium when present, else Playwright's own if
 * one is installed), real IndexedDB, real workers. The Vite dev server serves a fixture page that
 * imports the library from source.
 */
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
      executablePath,
      args: CHROMIUM_ARGS,
    },
  },
  webServer: {
    command: `npx vite --config vite.test.config.ts --port ${PORT} --strictPort --host 127.0.0.1`,
    url: `http://127.0.0.1:${PORT}/test/browser/fixture/index.html`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
