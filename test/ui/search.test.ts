import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { chromiumPeer, screenshot, watchPageErrors } from '../support/ui-browser.ts';
import { useUiBackend } from '../support/ui-backend.ts';

const peer = chromiumPeer();

if (peer.available) {
  const backend = useUiBackend();
  const RANGE = 'from=now-1h&to=now';
  const ROUTES_SQL = "SpanAttributes['http.route'] IN ('/checkout', '/charge')";

  const open = async (path: string): Promise<{ page: Page; errors: string[] }> => {
    const page = await backend().browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors = watchPageErrors(page);
    await page.goto(backend().baseUrl + path);
    return { page, errors };
  };
  const search = async (page: Page, query: string) => {
    const input = page.getByTestId('query-input');
    await input.fill(query);
    await input.press('Enter');
  };
  const query = (page: Page) => new URL(page.url()).searchParams.get('q');

  test('a search finds the failed payments, explains itself and keeps its state in the URL', async () => {
    const { page, errors } = await open(`/search?${RANGE}`);
    await search(page, 'service:payments status:Error');
    assert.equal(query(page), 'service:payments status:Error');
    await page.getByTestId('query-explanation').getByText('service contains payments').waitFor();
    const failed = backend().seeded.traces.filter((t) => t.failed).length;
    // Each failed checkout has one payments span in error (POST /charge).
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="result-row"]').length === n,
      failed,
    );
    const rows = await page.getByTestId('result-row').allInnerTexts();
    assert.ok(rows.every((r) => r.includes('payments') && r.includes('POST /charge') && /error/i.test(r)));
    await page.getByTestId('histogram-total').getByText(`${failed} spans`).waitFor();
    await screenshot(page, 'search-results');
    // The link reproduces the view.
    await page.reload();
    assert.equal(await page.getByTestId('query-input').inputValue(), 'service:payments status:Error');
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="result-row"]').length === n,
      failed,
    );
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the search bar completes field names and then their values from the data', async () => {
    const { page } = await open(`/search?${RANGE}`);
    const input = page.getByTestId('query-input');
    await input.click();
    await input.pressSequentially('serv');
    await page.getByTestId('query-suggestions').getByText('service', { exact: true }).click();
    assert.equal(await input.inputValue(), 'service:');
    await input.pressSequentially('pay');
    await page.getByTestId('query-suggestions').getByText('payments', { exact: true }).waitFor();
    await screenshot(page, 'search-autocomplete');
    await input.press('ArrowDown');
    await input.press('Enter');
    assert.equal(await input.inputValue(), 'service:"payments" ');
    await input.press('Enter');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('q') === 'service:"payments"');
    await page.close();
  });

  test('a syntax error is shown at its position and runs nothing', async () => {
    const { page } = await open(`/search?${RANGE}&q=service%3Aweb`);
    await page.getByTestId('result-row').first().waitFor();
    await page.getByTestId('query-input').fill('status:Error AND (duration:>100');
    const error = page.getByTestId('query-error');
    await error.waitFor();
    assert.match(await error.innerText(), /line 1, col 32: expected/);
    await screenshot(page, 'search-syntax-error');
    await page.close();
  });

  test('opening a row shows every attribute; clicking a value filters by it; the row links to its trace', async () => {
    const { page } = await open(`/search?${RANGE}&q=${encodeURIComponent('span:"POST /charge"')}`);
    await page.getByTestId('result-row').first().click();
    const drawer = page.getByTestId('row-drawer');
    await drawer.waitFor();
    await drawer.getByText('http.request.payload').waitFor();
    await screenshot(page, 'search-row-drawer');
    await drawer.locator('[data-testid="filter-value"][data-field="http.route"]').click();
    await page.waitForFunction(
      () => new URL(location.href).searchParams.get('q') === 'span:"POST /charge" http.route:"/charge"',
    );
    await page.getByTestId('result-row').first().click();
    await page.getByTestId('open-trace').click();
    await page.waitForURL(/\/trace\/[0-9a-f]{32}\?span=[0-9a-f]{16}/);
    await page.close();
  });

  test('logs: the declined payments, correlated to their traces', async () => {
    const { page } = await open(`/search?${RANGE}&signal=logs`);
    await search(page, 'declined');
    const failed = backend().seeded.traces.filter((t) => t.failed);
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="result-row"]').length === n,
      failed.length,
    );
    const texts = await page.getByTestId('result-row').allInnerTexts();
    assert.ok(texts.every((t) => t.includes('card declined') && t.includes('ERROR')));
    await page.getByTestId('result-row').first().click();
    await page.getByTestId('open-trace').click();
    await page.waitForURL(/\/trace\//);
    const traceId = new URL(page.url()).pathname.split('/')[2];
    assert.ok(
      failed.some((t) => t.traceId === traceId),
      'the log opens the failed checkout it belongs to',
    );
    await page.close();
  });

  test('results load page after page while scrolling, with only the visible rows in the page', async () => {
    const { page } = await open(`/search?${RANGE}`);
    const total = backend().seeded.spanCount;
    await page.getByTestId('result-row').first().waitFor();
    for (let i = 0; i < 20; i++) {
      const done = await page.getByText(`${total} results, the end`).isVisible();
      if (done) break;
      await page
        .getByTestId('results-table')
        .locator('div[style*="overflow-y"]')
        .evaluate((el) => {
          el.scrollTop = el.scrollHeight;
        });
      await page.waitForTimeout(300);
    }
    await page.getByText(`${total} results, the end`).waitFor();
    const inDom = await page.getByTestId('result-row').count();
    assert.ok(inDom < 120, `virtualised: ${inDom} row elements for ${total} results`);
    await page.close();
  });

  test('dragging across the histogram zooms to that range (absolute, in the URL)', async () => {
    const { page } = await open(`/search?${RANGE}`);
    const chart = page.getByTestId('histogram-chart').locator('.u-over');
    await chart.waitFor();
    const box = (await chart.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await page.waitForFunction(() => /^\d+$/.test(new URL(location.href).searchParams.get('from') ?? ''));
    const params = new URL(page.url()).searchParams;
    const from = Number(params.get('from'));
    const to = Number(params.get('to'));
    assert.ok(
      to - from > 5 * 60_000 && to - from < 30 * 60_000,
      `about 30% of an hour: ${(to - from) / 60_000} min`,
    );
    await page.close();
  });

  test('SQL mode, chosen columns, stacking and saved searches', async () => {
    let { page } = await open(
      `/search?${RANGE}&lang=sql&q=${encodeURIComponent(ROUTES_SQL)}&cols=Timestamp,ServiceName,http.route,http.response.status_code&split=ServiceName`,
    );
    await page.getByTestId('result-row').first().waitFor();
    // Every checkout has one span of each route: web's /checkout and payments' /charge.
    await page
      .getByTestId('histogram-total')
      .getByText(`${2 * backend().seeded.traces.length} spans`)
      .waitFor();
    const texts = await page.getByTestId('result-row').allInnerTexts();
    assert.ok(texts.every((t) => t.includes('/checkout') || t.includes('/charge')));
    assert.ok(
      texts.some((t) => /\b50[23]\b/.test(t)) && texts.some((t) => t.includes('200')),
      'the status column',
    );
    const legend = page.getByTestId('histogram-chart').locator('.u-legend');
    await legend.getByText('web').waitFor();
    await legend.getByText('payments').waitFor();
    // Save, leave, come back through the saved search.
    await page.getByTestId('saved-searches').click();
    await page.getByTestId('save-search').click();
    await page.getByTestId('saved-search-name').fill('checkout routes');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByTestId('saved-searches').getByText('Saved (1)').waitFor();
    await page.close();
    // Saved searches are shared: a fresh browser (no local state) sees it.
    const context = await backend().browser.newContext({ viewport: { width: 1400, height: 900 } });
    page = await context.newPage();
    await page.goto(`${backend().baseUrl}/search?${RANGE}`);
    await page.getByTestId('saved-searches').click();
    await page.getByTestId('saved-search').getByText('checkout routes').click();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('lang') === 'sql');
    assert.equal(query(page), ROUTES_SQL);
    assert.match(new URL(page.url()).searchParams.get('cols') ?? '', /http\.route/);
    await page.context().close();
  });

  test('live tail shows new spans as they arrive, without a reload', async () => {
    const { page } = await open(
      `/search?from=now-5m&to=now&q=${encodeURIComponent('span:"live tail probe"')}`,
    );
    await page.getByTestId('empty-state').waitFor();
    await page.getByTestId('live-tail').click();
    await page.waitForFunction(() => new URL(location.href).searchParams.get('live') === '1');
    const now = BigInt(Date.now()) * 1_000_000n;
    const res = await fetch(`http://127.0.0.1:${backend().spyglass.ports.otlpHttp}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'web' } }] },
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: '5b8efff798038103d269b633813fc60c',
                    spanId: 'eee19b7ec3c1b174',
                    name: 'live tail probe',
                    kind: 'SPAN_KIND_SERVER',
                    startTimeUnixNano: String(now - 5_000_000n),
                    endTimeUnixNano: String(now),
                  },
                ],
              },
            ],
          },
        ],
      }),
    });
    assert.equal(res.status, 200);
    // The view refreshes itself every 2 s while live.
    await page.getByTestId('result-row').filter({ hasText: 'live tail probe' }).waitFor({ timeout: 15_000 });
    await page.close();
  });

  test('an empty time range tells a new user how to send data', async () => {
    const old = Date.now() - 30 * 86_400_000;
    const { page } = await open(`/search?from=${old}&to=${old + 3_600_000}`);
    const empty = page.getByTestId('empty-state');
    await empty.waitFor({ timeout: 10_000 }).catch(async (err: unknown) => {
      await screenshot(page, 'search-empty-failed');
      throw err;
    });
    assert.match(await empty.innerText(), /spyglass run/);
    assert.match(await empty.innerText(), /4318/);
    await screenshot(page, 'search-empty');
    await page.close();
  });
} else {
  test('UI search end-to-end tests', { skip: peer.skip }, () => {});
}
