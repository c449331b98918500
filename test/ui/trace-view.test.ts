import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { chromiumPeer, screenshot, watchPageErrors } from '../support/ui-browser.ts';
import { useUiBackend } from '../support/ui-backend.ts';

const peer = chromiumPeer();

/** Waits (up to 5 s) until the locator matches `n` elements: some updates land a frame after the click. */
async function waitForCount(locator: Locator, n: number, message?: string): Promise<void> {
  for (let i = 0; i < 50 && (await locator.count()) !== n; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await locator.count(), n, message);
}

/** Console noise a test expects: the API's 404 and 400 answers are logged by the browser. */
const expectedErrors = (errors: string[]) => errors.filter((e) => !/Failed to load resource/.test(e));

if (peer.available) {
  const backend = useUiBackend({ bigTraceSpans: 10_000 });

  const failedCheckout = () => {
    const index = backend().seeded.traces.findIndex((t) => t.failed);
    assert.ok(index >= 0, 'the seed has failed checkouts');
    return { traceId: backend().seeded.traces[index]!.traceId, orderId: 1000 + index };
  };

  async function openTrace(page: Page, traceId: string, query = ''): Promise<void> {
    await page.goto(`${backend().baseUrl}/trace/${traceId}${query}`);
    await page.getByTestId('waterfall-row').first().waitFor();
  }

  const row = (page: Page, name: string) =>
    page.getByTestId('waterfall-row').filter({ has: page.getByText(name, { exact: true }) });

  test('a failed checkout shows its ten spans over four services, the failures marked, the critical path and its logs', async () => {
    const page = await backend().browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors = watchPageErrors(page);
    const { traceId } = failedCheckout();
    await openTrace(page, traceId);

    const rows = page.getByTestId('waterfall-row');
    assert.equal(await rows.count(), 10);
    assert.equal(await page.getByTestId('trace-title').textContent(), 'POST /checkout');
    assert.equal(await page.getByTestId('trace-span-count').textContent(), '10');
    const services = await page.getByTestId('trace-service').allTextContents();
    assert.deepEqual(
      services.map((s) => s.replace(/\s*\d.*$/, '')),
      ['web', 'orders', 'fulfillment', 'payments'],
    );
    const failed = page.locator('[data-testid="waterfall-row"][data-error]');
    assert.equal(await failed.count(), 4, `error rows: ${(await failed.allTextContents()).join(', ')}`);
    assert.equal(await page.getByTestId('trace-error-count').textContent(), '4');
    for (const name of ['POST /checkout', 'process orders', 'POST', 'POST /charge'])
      assert.equal(await row(page, name).getAttribute('data-error'), 'true', `${name} is marked as failed`);
    assert.equal(await row(page, 'INSERT orders').getAttribute('data-error'), null);

    // The critical path is on by default; the root waits on the gRPC call, so both are on it.
    const toggle = page.getByTestId('critical-path-toggle');
    assert.equal(await toggle.isChecked(), true);
    assert.equal(await row(page, 'POST /checkout').getAttribute('data-critical'), 'true');
    assert.ok((await page.locator('[data-testid="waterfall-row"][data-critical]').count()) >= 3);
    await toggle.click();
    await waitForCount(page.locator('[data-testid="waterfall-row"][data-critical]'), 0);
    await toggle.click();

    const logs = page.getByTestId('trace-logs');
    assert.equal(await logs.getByTestId('trace-logs-count').textContent(), '3');
    const logRows = await logs.getByTestId('trace-log-row').allTextContents();
    assert.equal(logRows.length, 3);
    assert.match(logRows[0]!, /INFO.*web.*checkout started for order/);
    assert.match(logRows[2]!, /ERROR.*payments.*card declined for order/);

    assert.ok(await page.getByTestId('minimap').locator('canvas').isVisible());
    await screenshot(page, 'trace-waterfall');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the payments span shows its exception stack and pretty-printed body; the URL keeps it open across a reload', async () => {
    const page = await backend().browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors = watchPageErrors(page);
    const { traceId, orderId } = failedCheckout();
    await openTrace(page, traceId);

    await row(page, 'POST /charge').click();
    const drawer = page.getByTestId('span-drawer');
    await drawer.waitFor();
    const spanId = await row(page, 'POST /charge').getAttribute('data-span-id');
    assert.ok(spanId);
    assert.equal(new URL(page.url()).searchParams.get('span'), spanId);
    assert.equal(await drawer.getAttribute('data-span-id'), spanId);
    assert.equal(await page.getByTestId('span-drawer-title').textContent(), 'POST /charge');

    const exception = drawer.getByTestId('span-exceptions');
    assert.match((await exception.textContent()) ?? '', /PaymentError.*card declined/);
    assert.equal(
      await exception.getByTestId('stack-trace').textContent(),
      'PaymentError: card declined\n    at charge (/app/payments/routes.js:23:11)\n    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    );
    const request = drawer.locator('[data-testid="payload"][data-payload-key="http.request.payload"]');
    assert.equal(
      await request.getByTestId('payload-text').textContent(),
      `{\n  "orderId": ${orderId},\n  "amount": 42.5\n}`,
    );
    assert.match((await request.textContent()) ?? '', /JSON/);
    assert.match(
      (await drawer.getByTestId('span-http').textContent()) ?? '',
      /http\.response\.status_code\s*503/,
    );
    assert.match(
      (await drawer.getByTestId('span-code').textContent()) ?? '',
      /charge at \/app\/payments\/routes\.js:23/,
    );
    assert.match((await drawer.getByTestId('span-logs').textContent()) ?? '', /card declined for order/);
    assert.match((await drawer.getByTestId('span-status-message').textContent()) ?? '', /card declined/);
    await screenshot(page, 'trace-span-drawer');

    await page.reload();
    await page.getByTestId('span-drawer').waitFor();
    assert.equal(await page.getByTestId('span-drawer').getAttribute('data-span-id'), spanId);
    assert.equal(await row(page, 'POST /charge').getAttribute('data-selected'), 'true');

    // A log opens its span; the web span's request headers show the redaction.
    await page.getByTestId('trace-log-row').filter({ hasText: 'checkout started' }).click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="span-drawer-title"]')?.textContent === 'POST /checkout',
    );
    const headers = (await page.getByTestId('span-headers').textContent()) ?? '';
    assert.match(headers, /authorization\s*redacted/);
    assert.match(headers, /content-type\s*application\/json/);

    await page.getByTestId('span-drawer-close').click();
    await page.getByTestId('span-drawer').waitFor({ state: 'detached' });
    assert.equal(new URL(page.url()).searchParams.get('span'), null);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('search within the trace finds the INSERT; collapsing hides descendants and search expands them again', async () => {
    const page = await backend().browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors = watchPageErrors(page);
    await openTrace(page, failedCheckout().traceId);
    const rows = page.getByTestId('waterfall-row');

    const search = page.getByTestId('trace-search');
    await search.fill('INSERT');
    await page.getByTestId('trace-search-count').filter({ hasText: '1 of 1' }).waitFor();
    assert.equal(await row(page, 'INSERT orders').getAttribute('data-current-match'), 'true');
    // Attribute values match too: the producer and the consumer both say messaging.system=kafka.
    await search.fill('kafka');
    await page.getByTestId('trace-search-count').filter({ hasText: '1 of 2' }).waitFor();
    assert.equal(await row(page, 'publish orders').getAttribute('data-current-match'), 'true');
    await search.press('Enter');
    await page.getByTestId('trace-search-count').filter({ hasText: '2 of 2' }).waitFor();
    assert.equal(await row(page, 'process orders').getAttribute('data-current-match'), 'true');
    assert.equal(await page.locator('[data-testid="waterfall-row"][data-match]').count(), 2);
    await search.fill('');

    // The web client span holds the other eight spans.
    const client = rows.filter({ hasText: 'orders.Orders/Create' }).first();
    await client.getByTestId('row-toggle').click();
    await waitForCount(rows, 2);
    assert.match((await client.textContent()) ?? '', /\+8/);
    await search.fill('validate');
    await page.getByTestId('trace-search-count').filter({ hasText: '1 of 1' }).waitFor();
    await row(page, 'validate card').waitFor();
    await waitForCount(rows, 10, 'the match was revealed by expanding its ancestors');

    await page.getByTestId('collapse-all').click();
    await waitForCount(rows, 1);
    await page.getByRole('button', { name: 'Expand all' }).click();
    await waitForCount(rows, 10);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a 10,000-span trace shows its first rows at once, keeps only a window of rows in the DOM, and zooms from the minimap', async (t) => {
    const page = await backend().browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors = watchPageErrors(page);
    const bigTraceId = backend().seeded.bigTraceId;
    assert.ok(bigTraceId);
    // Warm the app's own code (not the trace), as a user coming from another view would have it.
    await page.goto(`${backend().baseUrl}/trace/0123456789abcdef0123456789abcdef`);
    await page.getByTestId('trace-not-found').waitFor();

    const started = Date.now();
    await page.goto(`${backend().baseUrl}/trace/${bigTraceId}`, { waitUntil: 'commit' });
    await page.getByTestId('waterfall-row').first().waitFor();
    const wallMs = Date.now() - started;
    const sinceNavigationMs = await page.evaluate(() => performance.now());
    t.diagnostic(
      `10k-span trace: first rows ${Math.round(sinceNavigationMs)}ms after navigation (${wallMs}ms wall)`,
    );
    assert.ok(wallMs < 5000, `first rows after ${wallMs}ms`);

    assert.equal(await page.getByTestId('trace-span-count').textContent(), '10,000');
    const mounted = await page.getByTestId('waterfall-row').count();
    assert.ok(mounted > 10 && mounted < 200, `${mounted} rows in the DOM`);

    // Search scrolls to a row deep in the list, which only exists once in view.
    await page.getByTestId('trace-search').fill('step 9876');
    await page.getByTestId('trace-search-count').filter({ hasText: '1 of 1' }).waitFor();
    const target = row(page, 'step 9876');
    await target.waitFor();
    const inView = async () => {
      const box = await target.boundingBox();
      const view = await page.locator('[role="tree"]').boundingBox();
      return !!box && !!view && box.y >= view.y && box.y + box.height <= view.y + view.height;
    };
    for (let i = 0; i < 20 && !(await inView()); i++) await page.waitForTimeout(100);
    assert.ok(await inView(), 'the match is scrolled into view');
    assert.equal(await target.getAttribute('data-current-match'), 'true');
    assert.ok((await page.getByTestId('waterfall-row').count()) < 200);

    // Dragging across the minimap's first fifth zooms the time axis; reset shows it all again.
    const ruler = page.getByTestId('time-ruler');
    const before = await ruler.textContent();
    const minimap = await page.getByTestId('minimap').boundingBox();
    assert.ok(minimap);
    await page.mouse.move(minimap.x + minimap.width * 0.02, minimap.y + minimap.height / 2);
    await page.mouse.down();
    await page.mouse.move(minimap.x + minimap.width * 0.1, minimap.y + minimap.height / 2, { steps: 4 });
    await page.mouse.move(minimap.x + minimap.width * 0.2, minimap.y + minimap.height / 2, { steps: 4 });
    await page.mouse.up();
    await page.getByTestId('zoom-reset').waitFor();
    assert.ok(await page.getByTestId('minimap-window').isVisible());
    assert.notEqual(await ruler.textContent(), before, 'the ruler shows the zoomed range');
    await screenshot(page, 'trace-big');
    await page.getByTestId('zoom-reset').click();
    await waitForCount(page.getByTestId('zoom-reset'), 0);
    assert.equal(await ruler.textContent(), before);
    assert.deepEqual(expectedErrors(errors), []);
    await page.close();
  });

  test('an unknown trace says it was not found (it may have expired); a malformed id says it is not a trace id', async () => {
    const page = await backend().browser.newPage();
    const errors = watchPageErrors(page);
    await page.goto(`${backend().baseUrl}/trace/0123456789abcdef0123456789abcdef`);
    const notFound = page.getByTestId('trace-not-found');
    await notFound.waitFor();
    assert.match((await notFound.textContent()) ?? '', /Trace not found.*expired/);
    await page.goto(`${backend().baseUrl}/trace/not-a-trace`);
    await page.getByTestId('trace-bad-id').waitFor();
    assert.equal(await page.getByTestId('waterfall').count(), 0);
    assert.deepEqual(expectedErrors(errors), []);
    await page.close();
  });
} else {
  test('trace view end-to-end tests', { skip: peer.skip }, () => {});
}
