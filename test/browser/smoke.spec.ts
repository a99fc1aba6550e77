import { expect, test } from '@playwright/test';

test('smoke: open, write, read in a worker', async ({ page }) => {
  page.on('console', (m) => console.log('page:', m.type(), m.text()));
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  await page.goto('/test/browser/fixture/index.html');
  await page.waitForFunction(() => (window as any).larderReady === true);
  const r = await page.evaluate(async () => {
    const { openStore } = (window as any).larder;
    const s = await openStore('smoke');
    await s.set('a', { x: 1 });
    const v = await s.get('a');
    const info = await s.info();
    await s.close();
    return { v, entries: info.entries };
  });
  expect(r.v).toEqual({ x: 1 });
});
