/**
 * The demo page (demo/), driven as a person would: type into each panel and read the answer on
 * screen, load each sample, reload and find the data, export and import, destroy, unlock the
 * encrypted store, run the in-page benchmark, reload offline, and check that nothing overflows at
 * phone width. Any console error or page error fails the test (the page runs under a strict CSP,
 * so an eval or an inline script would show up here as a console error). Screenshots of each
 * panel are kept as artifacts.
 */
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import { readFileSync } from 'node:fs';

const DEMO = '/demo/index.html';

let errors: string[] = [];

test.beforeEach(async ({ page }) => {
  errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
});

test.afterEach(() => {
  expect(errors, 'console errors and page errors').toEqual([]);
});

/** Opens the demo on `tab` and waits until its panels are built. */
async function open(page: Page, tab: 'kv' | 'docs' | 'graph' | 'store' | 'bench'): Promise<void> {
  await page.goto(`${DEMO}#${tab}`);
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await expect(page.getByRole('tab', { selected: true })).toHaveAttribute('id', `tab-${tab}`);
}

/** Keeps a full-page screenshot of the page as the test artifact `name`.png. */
async function shot(page: Page, info: TestInfo, name: string): Promise<void> {
  // Toasts are fixed to the viewport; on a full-page picture they would float mid-page.
  await page.evaluate(() => document.querySelectorAll('.toast').forEach((t) => t.remove()));
  await page.screenshot({ path: info.outputPath(`${name}.png`), fullPage: true });
}

/** Types a command into the redis console and returns the reply lines printed for it. */
async function redis(page: Page, line: string): Promise<string[]> {
  const out = page.getByTestId('kv-output');
  const before = await out.locator(':scope > div').count();
  await page.locator('#kv-input').fill(line);
  await page.locator('#kv-input').press('Enter');
  // The echo line, then at least one reply line.
  await expect.poll(async () => (await out.locator(':scope > div').count()) - before).toBeGreaterThanOrEqual(2);
  const texts = await out.locator(':scope > div').allInnerTexts();
  return texts.slice(before + 1);
}

test('page: CSP meta, tabs work with the keyboard', async ({ page }, info) => {
  await open(page, 'kv');
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
  // No inline scripts at all: every <script> has a src.
  expect(await page.locator('script:not([src])').count()).toBe(0);
  await page.getByRole('tab', { name: 'Key-value' }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tab', { name: 'Documents' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('#panel-docs')).toBeVisible();
  await page.keyboard.press('End');
  await expect(page.getByRole('tab', { name: 'Benchmark' })).toBeFocused();
  await expect(page.locator('#panel-bench')).toBeVisible();
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByRole('tab', { name: 'Store' })).toBeFocused();
  await expect(page.locator('#panel-store')).toBeVisible();
  await expect(page.locator('#panel-kv')).toBeHidden();
  // The policy is in force: an inline script injected now is refused (and reported; that one
  // expected console error is removed from the list checked after the test).
  const violated = await page.evaluate(() => new Promise<string>((resolve) => {
    document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective), { once: true });
    const s = document.createElement('script');
    s.textContent = 'window.inlineRan = true';
    document.head.append(s);
  }));
  expect(violated).toMatch(/^script-src/);
  expect(await page.evaluate(() => (window as unknown as { inlineRan?: boolean }).inlineRan)).toBeUndefined();
  const isInlineRefusal = (e: string) => /inline script/i.test(e) && /Content Security Policy/.test(e);
  await expect.poll(() => errors.some(isInlineRefusal)).toBe(true);
  errors = errors.filter((e) => !isInlineRefusal(e));
  await shot(page, info, 'store-empty');
});

test('key-value: a redis-cli console with history, and the sessions/leaderboard sample', async ({ page }, info) => {
  await open(page, 'kv');
  expect(await redis(page, 'SET greeting "Hello, world"')).toEqual(['OK']);
  expect(await redis(page, 'GET greeting')).toEqual(['"Hello, world"']);
  expect(await redis(page, 'INCR counter')).toEqual(['(integer) 1']);
  expect(await redis(page, 'GET nothing-here')).toEqual(['(nil)']);
  expect(await redis(page, "RPUSH list a 'b c' \"d\\te\"")).toEqual(['(integer) 3']);
  expect(await redis(page, 'LRANGE list 0 -1')).toEqual(['1) "a"', '2) "b c"', '3) "d\\te"']);
  const err = await redis(page, 'INCR greeting');
  expect(err[0]).toMatch(/^\(error\) ERR value is not an integer/);
  await expect(page.getByTestId('kv-output').locator('.err').last()).toHaveCSS('color', 'rgb(255, 107, 107)');
  expect(await redis(page, 'NOSUCHCOMMAND x')).toEqual([expect.stringMatching(/^\(error\) ERR unknown command/)]);
  expect(await redis(page, 'SET "unbalanced')).toEqual(['Invalid argument(s)']);
  // History: ↑ brings back earlier lines, ↓ walks forward again.
  const input = page.locator('#kv-input');
  await input.press('ArrowUp');
  await expect(input).toHaveValue('SET "unbalanced');
  await input.press('ArrowUp');
  await expect(input).toHaveValue('NOSUCHCOMMAND x');
  await input.press('ArrowDown');
  await expect(input).toHaveValue('SET "unbalanced');
  await input.fill('');

  await page.getByTestId('kv-load-sample').click();
  await expect(page.getByTestId('kv-load-sample')).toBeEnabled({ timeout: 60_000 });
  const sessions = page.getByTestId('kv-sessions').locator('li');
  await expect(sessions).toHaveCount(10);
  const ttl = sessions.first().locator('.ttl');
  await expect(ttl).toHaveText(/^\d+s$/);
  const t1 = parseInt((await ttl.textContent())!, 10);
  // The TTLs count down on screen.
  await expect.poll(async () => parseInt((await ttl.textContent())!, 10), { timeout: 5000 }).toBeLessThan(t1);
  await expect(page.getByTestId('kv-board').locator('li')).toHaveCount(10);
  const top = await redis(page, 'ZRANGE leaderboard 0 2 REV WITHSCORES');
  expect(top).toHaveLength(6);
  expect(top[0]).toMatch(/^1\) "\w+"$/);
  expect(await redis(page, 'ZCARD leaderboard')).toEqual(['(integer) 20']);
  const key = (await sessions.first().locator('.mono').textContent())!.split(' ·')[0]!;
  const hash = await redis(page, `HGETALL ${key}`);
  expect(hash[0]).toBe('1) "agent"');
  expect(await redis(page, `TTL ${key}`)).toEqual([expect.stringMatching(/^\(integer\) \d+$/)]);
  await shot(page, info, 'kv');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, info, 'kv-phone');
});

test('documents: sample, relaxed-JSON find with explain, indexes, insert, aggregation', async ({ page }, info) => {
  await open(page, 'docs');
  await page.getByTestId('docs-load-sample').click();
  const colls = page.getByTestId('docs-collections');
  await expect(colls.getByRole('button', { name: /people\s*3,000/ })).toBeVisible({ timeout: 60_000 });
  await expect(colls.getByRole('button', { name: /orders\s*1,500/ })).toBeVisible();
  // The loader resets the query editor when it finishes: wait for it before typing.
  await expect(page.getByTestId('docs-load-sample')).toBeEnabled({ timeout: 60_000 });
  await expect(page.getByTestId('docs-count')).toContainText('matching');

  // Relaxed JSON: unquoted keys, single quotes, a regex literal, trailing comma.
  await page.locator('#docs-filter').fill("{ 'address.city': 'Oslo', age: { $lt: 30 }, name: /^A/, }");
  await page.locator('#docs-projection').fill('{ name: 1, age: 1, _id: 0 }');
  await page.locator('#docs-sort').fill('{ age: 1 }');
  await page.locator('#docs-filter').press('Control+Enter');
  await expect(page.getByTestId('docs-count')).toContainText(/\d+ shown of \d+ matching/);
  const table = page.getByTestId('docs-results').locator('table');
  await expect(table.locator('th')).toHaveText(['name', 'age']);
  const ages = (await table.locator('tbody tr td:nth-child(2)').allTextContents()).map(Number);
  expect(ages.length).toBeGreaterThan(0);
  expect(ages.every((a) => a < 30)).toBe(true);
  expect([...ages].sort((a, b) => a - b)).toEqual(ages);
  for (const n of await table.locator('tbody tr td:nth-child(1)').allTextContents()) expect(n).toMatch(/^"A/);
  await expect(page.getByTestId('docs-plan')).toContainText('IXSCAN');

  // A bad filter shows a parse error, not a console error.
  await page.locator('#docs-filter').fill('{ age: }');
  await page.getByTestId('docs-run').click();
  await expect(page.locator('#panel-docs .error').first()).toContainText('unexpected');

  // Indexes: create one, see the planner use it, drop it.
  await page.locator('#docs-index-keys').fill('{ score: -1 }');
  await page.getByRole('button', { name: 'Create index' }).click();
  const indexes = page.getByTestId('docs-indexes');
  await expect(indexes).toContainText('score_-1');
  await page.locator('#docs-filter').fill('{ score: { $gt: 99.5 } }');
  await page.locator('#docs-projection').fill('');
  await page.locator('#docs-sort').fill('');
  await page.getByTestId('docs-run').click();
  await expect(page.getByTestId('docs-plan')).toContainText('IXSCAN score_-1');
  await indexes.getByRole('button', { name: 'Drop index score_-1' }).click();
  await expect(indexes).not.toContainText('score_-1');
  await page.getByTestId('docs-run').click();
  await expect(page.getByTestId('docs-plan')).toContainText('COLLSCAN');

  // Insert, then find it.
  await page.locator('#docs-insert').fill("{ name: 'Zed Demo', age: 99, when: ISODate('2024-01-02T03:04:05Z') }");
  await page.getByRole('button', { name: 'Insert', exact: true }).click();
  await expect(page.getByTestId('docs-insert-result')).toContainText('Inserted 1 into people: ObjectId("');
  await expect(colls.getByRole('button', { name: /people\s*3,001/ })).toBeVisible();
  await page.locator('#docs-filter').fill("{ name: 'Zed Demo' }");
  await page.getByTestId('docs-run').click();
  await expect(page.getByTestId('docs-results')).toContainText('ISODate("2024-01-02T03:04:05.000Z")');

  // Aggregation (the default pipeline groups people by country).
  await page.getByTestId('docs-aggregate').click();
  const agg = page.getByTestId('docs-agg-results');
  await expect(agg.locator('th')).toHaveText(['_id', 'people', 'avgAge']);
  await expect(agg.locator('tbody tr')).toHaveCount(12);
  await expect(agg).toContainText('"Portugal"');
  await page.locator('#docs-pipeline').fill('[{ $match: { status: "shipped" } }, { $count: "n" }]');
  await page.locator('#docs-coll').fill('orders');
  await page.locator('#docs-coll').dispatchEvent('change');
  await page.locator('#docs-pipeline').press('Control+Enter');
  await expect(agg.locator('th')).toHaveText(['n']);
  await page.locator('#docs-filter').fill("{ status: 'shipped' }");
  await page.locator('#docs-sort').fill('{ total: -1 }');
  await page.locator('#docs-projection').fill('{ number: 1, customer: 1, total: 1, status: 1 }');
  await page.getByTestId('docs-run').click();
  await expect(page.getByTestId('docs-plan')).toContainText('IXSCAN status_1_total_-1');
  await shot(page, info, 'docs');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, info, 'docs-phone');
});

test('graph: movie sample, Cypher table and drawing, node properties, expand, shortest path', async ({ page }, info) => {
  await open(page, 'graph');
  await page.getByTestId('graph-load-sample').click();
  await expect(page.getByTestId('graph-load-sample')).toBeEnabled({ timeout: 60_000 });
  await expect(page.getByTestId('graph-stats')).toContainText(/\d+ nodes .*\d+ relationships/);
  // The sample runs "Cast of The Matrix": 4 actors and the movie.
  await expect(page.getByTestId('graph-table').locator('tbody tr')).toHaveCount(4);
  const nodes = page.getByTestId('graph-svg').locator('.node');
  await expect(nodes).toHaveCount(5);

  // Click a node: its properties appear; expanding adds its neighbours to the drawing.
  await page.getByRole('button', { name: 'Movie The Matrix', exact: true }).click();
  const props = page.getByTestId('graph-props');
  await expect(props.locator('h2')).toHaveText('The Matrix');
  await expect(props).toContainText('released');
  await expect(props).toContainText('1999');
  await page.getByTestId('graph-expand').click();
  await expect.poll(() => nodes.count()).toBeGreaterThan(5);

  // Keyboard: Tab to a node and press Enter.
  await nodes.first().focus();
  await page.keyboard.press('Enter');
  await expect(props.locator('h2')).not.toHaveText('');

  // Typed Cypher, aggregated.
  await page.locator('#graph-query').fill('MATCH (m:Movie) WHERE m.released < 1995 RETURN m.title AS title ORDER BY title');
  await page.locator('#graph-query').press('Control+Enter');
  await expect(page.getByTestId('graph-table').locator('tbody td')).toHaveText(['"A Few Good Men"', '"Sleepless in Seattle"', '"Speed"', '"Top Gun"']);
  await expect(page.getByTestId('graph-summary')).toContainText('4 row(s)');

  // A syntax error shows in red, on the page.
  await page.locator('#graph-query').fill('MATCH (n RETURN n');
  await page.getByTestId('graph-run').click();
  await expect(page.locator('#panel-graph .error')).not.toBeEmpty();

  // Shortest path: drawn with its edges highlighted.
  await page.getByRole('button', { name: 'Shortest path' }).click();
  await expect(page.getByTestId('graph-svg').locator('.edge.path').first()).toBeVisible();
  const hops = await page.getByTestId('graph-svg').locator('.edge.path').count();
  expect(hops).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('graph-svg').locator('.node.path')).toHaveCount(hops + 1);
  await shot(page, info, 'graph-path');

  await page.getByRole('button', { name: 'Whole graph' }).click();
  await expect.poll(() => nodes.count()).toBeGreaterThan(50);
  await shot(page, info, 'graph');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, info, 'graph-phone');
});

test('store: live info; every sample survives a reload; export, import and destroy', async ({ page }, info) => {
  await open(page, 'kv');
  await page.getByTestId('kv-load-sample').click();
  await expect(page.getByTestId('kv-load-sample')).toBeEnabled({ timeout: 60_000 });
  await expect(page.getByTestId('kv-sessions').locator('li')).toHaveCount(10);
  await redis(page, 'SET survivor "still here"');
  await page.getByRole('tab', { name: 'Documents' }).click();
  await page.getByTestId('docs-load-sample').click();
  await expect(page.getByTestId('docs-collections').getByRole('button', { name: /people\s*3,000/ })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('docs-load-sample')).toBeEnabled({ timeout: 60_000 });
  await page.getByRole('tab', { name: 'Graph' }).click();
  await page.getByTestId('graph-load-sample').click();
  await expect(page.getByTestId('graph-load-sample')).toBeEnabled({ timeout: 60_000 });
  await expect(page.getByTestId('graph-svg').locator('.node')).toHaveCount(5);

  await page.getByRole('tab', { name: 'Store' }).click();
  await expect(page.getByTestId('store-visits')).toContainText('first time');
  const stats = page.getByTestId('store-stats');
  await expect(stats).toContainText('Documents');
  await expect(stats).toContainText('4,500');
  await expect(stats).toContainText('movies');
  // Live: the counters move as the store is written (here: from another "app" in the page).
  await expect(stats.locator('.stat').filter({ hasText: 'Commit latency' })).toContainText(/samples/);
  await page.getByTestId('store-checkpoint').click();
  await expect(stats.locator('.stat').filter({ hasText: 'Last checkpoint' })).toContainText(/\ds ago/);
  await expect(stats.locator('.stat').filter({ hasText: 'WAL since checkpoint' })).toContainText('0 records');
  await shot(page, info, 'store');

  // Reload with the button: everything is read back from IndexedDB.
  await page.getByTestId('store-reload').click();
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await expect(page.getByTestId('store-visits')).toContainText('opened the store 2 times');
  await page.getByRole('tab', { name: 'Key-value' }).click();
  expect(await redis(page, 'GET survivor')).toEqual(['"still here"']);
  await expect(page.getByTestId('kv-sessions').locator('li')).toHaveCount(10);
  await page.getByRole('tab', { name: 'Documents' }).click();
  await expect(page.getByTestId('docs-collections').getByRole('button', { name: /people\s*3,000/ })).toBeVisible();
  await page.getByRole('tab', { name: 'Graph' }).click();
  await expect(page.getByTestId('graph-stats')).toContainText('nodes');
  await expect(page.getByTestId('graph-svg').locator('.node')).toHaveCount(5);

  // Export to a file.
  await page.getByRole('tab', { name: 'Store' }).click();
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('store-export').click()]);
  expect(dl.suggestedFilename()).toMatch(/^larder-demo-.*\.larder$/);
  const file = info.outputPath('export.larder');
  await dl.saveAs(file);
  expect(readFileSync(file).length).toBeGreaterThan(10_000);

  // Destroy (confirming the dialog): a fresh, empty store.
  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('store-destroy').click();
  await expect(page.getByTestId('store-visits')).toContainText('first time');
  await expect(page.getByTestId('store-stats')).toContainText('Documents');
  await expect(page.getByTestId('store-stats').locator('.stat').filter({ hasText: 'Graphs' }).locator('.v')).toHaveText('0');

  // Import the export: the data is back.
  await page.getByTestId('store-import').setInputFiles(file);
  await expect(page.locator('.toast').filter({ hasText: 'Imported' })).toBeVisible();
  await expect(page.getByTestId('store-stats')).toContainText('4,500');
  await page.getByRole('tab', { name: 'Key-value' }).click();
  expect(await redis(page, 'GET survivor')).toEqual(['"still here"']);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('tab', { name: 'Store' }).click();
  await shot(page, info, 'store-phone');
});

test('two tabs: a write in one shows up in the other', async ({ context, page }, info) => {
  await open(page, 'docs');
  const other = await context.newPage();
  other.on('pageerror', (e) => errors.push(`pageerror (tab 2): ${e.message}`));
  other.on('console', (m) => { if (m.type() === 'error') errors.push(`console (tab 2): ${m.text()}`); });
  await open(other, 'docs');
  await other.locator('#docs-coll').fill('notes');
  await other.locator('#docs-coll').dispatchEvent('change');
  await other.locator('#docs-insert').fill("[{ text: 'from tab two' }, { text: 'and again' }]");
  await other.getByRole('button', { name: 'Insert', exact: true }).click();
  await expect(other.getByTestId('docs-insert-result')).toContainText('Inserted 2 into notes');
  // The first tab did nothing: its collection list updates from the change feed.
  await expect(page.getByTestId('docs-collections').getByRole('button', { name: /notes\s*2/ })).toBeVisible();
  // The first tab's live store.info() counts a key typed in the second, without a reload.
  await page.getByRole('tab', { name: 'Store' }).click();
  const kvKeys = page.getByTestId('store-stats').locator('.stat').filter({ hasText: 'Key-value keys' }).locator('.v');
  await expect(kvKeys).toHaveText(/^\d+$/);
  const before = Number(await kvKeys.textContent());
  await other.getByRole('tab', { name: 'Key-value' }).click();
  expect(await redis(other, 'SET shared "written in tab two"')).toEqual(['OK']);
  await expect(kvKeys).toHaveText(String(before + 1));
  // And the key-value side: a SET in one tab is read in the other.
  await page.getByRole('tab', { name: 'Key-value' }).click();
  expect(await redis(page, 'GET shared')).toEqual(['"written in tab two"']);
  await shot(other, info, 'two-tabs');
  await other.close();
});

test('store: the encrypted store opens only with its passphrase, and keeps its data across a reload', async ({ page }, info) => {
  await open(page, 'store');
  const state = page.getByTestId('secure-state');
  const message = page.getByTestId('secure-message');
  const shown = page.getByTestId('secure-note-shown');
  await expect(state).toHaveText('Locked.');
  // No passphrase: said on the page, nothing opened.
  await page.getByTestId('secure-unlock').click();
  await expect(message).toHaveText('Type a passphrase first.');

  // First unlock creates the store under this passphrase; write a kv value and a document.
  await page.locator('#secure-passphrase').fill('correct horse battery');
  await page.getByTestId('secure-unlock').click();
  await expect(state).toContainText('is new and encrypted', { timeout: 60_000 });
  await expect(message).toBeEmpty();
  await page.locator('#secure-note').fill('meet at noon');
  await page.getByTestId('secure-save').click();
  await expect(shown).toHaveText('“meet at noon” (saved 1 time)');
  await page.getByTestId('secure-card').scrollIntoViewIfNeeded();
  await shot(page, info, 'store-passphrase');

  // After a reload it is locked again; a wrong passphrase is refused with a message.
  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
  await expect(state).toHaveText('Locked.');
  await expect(page.locator('#secure-note')).toBeHidden();
  await page.locator('#secure-passphrase').fill('wrong passphrase');
  await page.getByTestId('secure-unlock').click();
  await expect(message).toHaveText('Wrong passphrase: “demo-secure” stays locked.', { timeout: 60_000 });
  await expect(state).toHaveText('Locked.');
  await expect(page.locator('#secure-note')).toBeHidden();
  await shot(page, info, 'store-passphrase-wrong');

  // The right one: the data is back.
  await page.locator('#secure-passphrase').fill('correct horse battery');
  await page.getByTestId('secure-unlock').click();
  await expect(state).toContainText('decrypted', { timeout: 60_000 });
  await expect(message).toBeEmpty();
  await expect(shown).toHaveText('“meet at noon” (saved 1 time)');
  await page.locator('#secure-note').fill('and bring the key');
  await page.locator('#secure-note').press('Enter');
  await expect(shown).toHaveText('“and bring the key” (saved 2 times)');

  // Lock: closed, and the note leaves the page.
  await page.getByTestId('secure-lock').click();
  await expect(state).toHaveText('Locked.');
  await expect(shown).toBeHidden();
  await expect(page.locator('#secure-passphrase')).toBeVisible();
});

test('benchmark: the bench workloads run in the page against the peers and are drawn as ratio bars', async ({ page }, info) => {
  test.setTimeout(300_000);
  await open(page, 'bench');
  const panel = page.locator('#panel-bench');
  const progress = page.getByTestId('bench-progress');
  await page.locator('#bench-size').selectOption('1000');
  // Every value the progress bar takes, recorded in the page (what it shows, not how fast).
  await page.evaluate(() => {
    const p = document.querySelector<HTMLProgressElement>('[data-testid="bench-progress"]')!;
    const seen: number[] = [];
    (window as unknown as { progressSeen: number[] }).progressSeen = seen;
    new MutationObserver(() => seen.push(p.value)).observe(p, { attributes: true, attributeFilter: ['value'] });
  });
  await page.getByTestId('bench-run').click();
  await expect(panel).toHaveAttribute('data-state', /running|done/);
  await expect(page.getByTestId('bench-run')).toBeDisabled();
  await expect(panel).toHaveAttribute('data-state', 'done', { timeout: 280_000 });
  await expect(page.getByTestId('bench-run')).toBeEnabled();

  const max = Number(await progress.getAttribute('max'));
  expect(max).toBeGreaterThan(10);
  await expect(progress).toHaveAttribute('value', String(max));
  await expect(progress).toHaveAttribute('aria-valuenow', String(max));
  const seen = await page.evaluate(() => (window as unknown as { progressSeen: number[] }).progressSeen);
  expect(new Set(seen).size, 'the progress bar moved step by step').toBeGreaterThan(max / 2);
  expect([...seen].sort((a, b) => a - b), 'and never backwards').toEqual(seen);
  await expect(page.getByTestId('bench-status')).toContainText(/^Done in .*, 0 failures\.$/);

  for (const id of ['records', 'writes', 'kv', 'graph', 'docs']) {
    const chart = page.getByTestId(`bench-chart-${id}`);
    await expect(chart.locator('figcaption')).not.toBeEmpty();
    const ratios = await chart.locator('.ratio').allTextContents();
    expect(ratios.length, `bars in ${id}`).toBeGreaterThan(0);
    for (const r of ratios) expect(r).toMatch(/^\d+(\.\d+)?×$/);
    await expect(chart.locator('.bar-fill')).toHaveCount(ratios.length);
    // A missing figure may only be one too small to time, never a wrong answer or an error.
    for (const note of await chart.locator('.bar-note').allTextContents()) expect(note).toBe('too fast to time at this size');
  }
  // Nothing of the run is left behind: only the demo's own databases remain.
  const dbs = await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ''));
  expect(dbs.filter((d) => d.includes('demo-bench'))).toEqual([]);
  await shot(page, info, 'bench');
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await overflow(page)).toBeLessThanOrEqual(0);
  await shot(page, info, 'bench-phone');
});

test('offline: after one visit the demo loads and its store works without a network', async ({ context, page }, info) => {
  await open(page, 'kv');
  await page.evaluate(async () => { await navigator.serviceWorker.ready; });
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  await expect(page.locator('body')).toHaveAttribute('data-offline', 'ready', { timeout: 60_000 });
  await expect(page.getByTestId('offline')).toContainText('Works offline');
  expect(await redis(page, 'SET offline:note "written online"')).toEqual(['OK']);
  // A request for something never cached, made by the service worker itself: it reaches the
  // server now, and must not once offline (so the reload below is served from its cache).
  const [worker] = context.serviceWorkers();
  expect(worker, 'the demo registered a service worker').toBeTruthy();
  const probe = () => worker!.evaluate(() => fetch(`/demo/?probe=${Date.now()}`).then(() => 'reached the server', () => 'offline'));
  expect(await probe()).toBe('reached the server');

  await context.setOffline(true);
  try {
    await page.reload();
    await expect(page.locator('body')).toHaveAttribute('data-ready', 'true');
    expect(await page.evaluate(() => navigator.onLine)).toBe(false);
    expect(await probe()).toBe('offline');
    await expect(page.locator('#status')).toHaveText('Store “larder-demo” open');
    expect(await redis(page, 'GET offline:note')).toEqual(['"written online"']);
    expect(await redis(page, 'INCR offline:count')).toEqual(['(integer) 1']);
    await page.getByRole('tab', { name: 'Store' }).click();
    await expect(page.getByTestId('store-visits')).toContainText('opened the store 2 times');
    await shot(page, info, 'offline');
  } finally {
    await context.setOffline(false);
  }
  // The one thing that cannot work offline is the dev server's own client (/@vite/client, which
  // the built demo does not have) calling home over its WebSocket: that is all it may report.
  const devClient = (e: string) => /WebSocket connection to 'ws:\/\/[^']*' failed|\[vite\] failed to connect to websocket/.test(e);
  errors = errors.filter((e) => !devClient(e));
});

test('phone width: no panel is wider than the screen', async ({ page }, info) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await open(page, 'kv');
  await page.getByTestId('kv-load-sample').click();
  await expect(page.getByTestId('kv-load-sample')).toBeEnabled({ timeout: 60_000 });
  await page.getByRole('tab', { name: 'Documents' }).click();
  await page.getByTestId('docs-load-sample').click();
  await expect(page.getByTestId('docs-load-sample')).toBeEnabled({ timeout: 60_000 });
  await page.getByRole('tab', { name: 'Graph' }).click();
  await page.getByTestId('graph-load-sample').click();
  await expect(page.getByTestId('graph-load-sample')).toBeEnabled({ timeout: 60_000 });
  for (const [tab, name] of [['kv', 'Key-value'], ['docs', 'Documents'], ['graph', 'Graph'], ['store', 'Store'], ['bench', 'Benchmark']] as const) {
    await page.getByRole('tab', { name }).click();
    await expect(page.locator(`#panel-${tab}`)).toBeVisible();
    expect(await overflow(page), `${name} overflows sideways by`).toBeLessThanOrEqual(0);
  }
  // All five tabs fit on the strip: none is scrolled out of sight.
  const strip = await page.locator('.tabs').evaluate((el) => el.scrollWidth - el.clientWidth);
  expect(strip, 'the tab strip scrolls sideways by').toBeLessThanOrEqual(0);
  await shot(page, info, 'bench-phone-empty');
});

/** How many CSS pixels the page is wider than the viewport (0 or less: no sideways scrolling). */
function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}
