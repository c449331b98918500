import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chromiumPeer, screenshot, watchPageErrors } from '../support/ui-browser.ts';
import { useUiBackend } from '../support/ui-backend.ts';
import { SEED_SERVICES } from '../support/ui-seed.ts';

const peer = chromiumPeer();
const RANGE = 'from=now-1h&to=now';

/** Reads until the value is as expected (the page re-renders after the URL changes), or fails with the last value. */
async function eventually<T>(read: () => Promise<T>, expected: T, message: string): Promise<void> {
  const deadline = Date.now() + 5000;
  let last = await read();
  while (JSON.stringify(last) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    last = await read();
  }
  assert.deepEqual(last, expected, message);
}

if (peer.available) {
  const backend = useUiBackend();

  test('the services list shows RED per service, charts over time, sorts, and opens a service', async () => {
    const { browser, baseUrl } = backend();
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors = watchPageErrors(page);
    await page.goto(`${baseUrl}/services?${RANGE}`);
    await page.getByTestId('services-table').waitFor();
    const rows = page.getByTestId('service-row');
    const names = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-service')));
    assert.deepEqual([...names].sort(), [...SEED_SERVICES].sort());

    // Every 5th checkout fails in payments: 8 of 40 requests, 20%.
    const payments = page.locator('[data-testid="service-row"][data-service="payments"]');
    const paymentsText = await payments.innerText();
    assert.match(paymentsText, /\b40\b/, paymentsText);
    assert.match(paymentsText, /20%\s*\(8\)/, paymentsText);
    assert.match(await page.locator('[data-service="orders"]').innerText(), /\s0%/);

    for (const chart of ['services-rate-chart', 'services-errors-chart', 'services-latency-chart']) {
      await page.getByTestId(chart).locator('canvas').first().waitFor();
    }

    // Sorting by name puts the services in order, and the sort is part of the URL.
    await page.getByTestId('sort-name').click();
    await page.waitForURL((u) => u.searchParams.get('sort') === 'name:asc');
    const sorted = () => rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-service')));
    await eventually(sorted, ['fulfillment', 'orders', 'payments', 'web'], 'A to Z');
    await page.getByTestId('sort-name').click();
    await eventually(sorted, ['web', 'payments', 'orders', 'fulfillment'], 'Z to A');
    await page.reload();
    await page.getByTestId('services-table').waitFor();
    assert.deepEqual(
      await sorted(),
      ['web', 'payments', 'orders', 'fulfillment'],
      'the sort survives a reload',
    );
    // By error rate, biggest first: the three at 20% (by name), then orders at 0%.
    await page.getByTestId('sort-errorRate').click();
    await eventually(sorted, ['fulfillment', 'payments', 'web', 'orders'], 'errors first');

    await screenshot(page, 'services');

    // Dragging across a chart zooms: the range becomes absolute, in the URL.
    const over = page.getByTestId('services-rate-chart').locator('.u-over');
    const area = (await over.boundingBox())!;
    await page.mouse.move(area.x + area.width * 0.5, area.y + area.height / 2);
    await page.mouse.down();
    await page.mouse.move(area.x + area.width * 0.9, area.y + area.height / 2, { steps: 6 });
    await page.mouse.up();
    await page.waitForURL((u) => /^\d+$/.test(u.searchParams.get('from') ?? ''));
    const zoomed = new URL(page.url()).searchParams;
    assert.ok(Number(zoomed.get('to')) > Number(zoomed.get('from')));
    assert.ok(
      Number(zoomed.get('to')) - Number(zoomed.get('from')) < 3_600_000 * 0.5,
      'narrower than the hour',
    );
    await page.goBack();
    await page.waitForURL((u) => u.searchParams.get('from') === 'now-1h');
    await page.getByTestId('services-table').waitFor();

    await payments.click();
    await page.getByTestId('service-page').waitFor();
    const url = new URL(page.url());
    assert.equal(url.pathname, '/services/payments');
    assert.equal(url.searchParams.get('from'), 'now-1h', 'the range comes along');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test("a service's page shows its operations, the failing one, and example traces that open", async () => {
    const { browser, baseUrl, seeded } = backend();
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors = watchPageErrors(page);
    await page.goto(`${baseUrl}/services/payments?${RANGE}`);
    await page.getByTestId('service-page').waitFor();
    await page.getByTestId('operations-table').waitFor();
    const op = page.locator('[data-testid="operation-row"][data-operation="POST /charge"]');
    assert.match(await op.innerText(), /20%/);
    assert.match(await page.getByTestId('service-stats').innerText(), /20%[\s\S]*8 failed/);

    const failing = page.getByTestId('failing-operations').getByTestId('rank-item');
    assert.equal(await failing.count(), 1);
    assert.equal(await failing.first().getAttribute('data-operation'), 'POST /charge');
    assert.match(await failing.first().innerText(), /20%.*8 failed/);
    assert.equal(
      await page
        .getByTestId('slowest-operations')
        .getByTestId('rank-item')
        .first()
        .getAttribute('data-operation'),
      'POST /charge',
    );
    for (const chart of ['service-rate-chart', 'service-errors-chart', 'service-latency-chart']) {
      await page.getByTestId(chart).locator('canvas').first().waitFor();
    }

    // The search buttons carry the service and the range to the search view.
    const logs = new URL((await page.getByTestId('search-logs').getAttribute('href'))!, baseUrl);
    assert.equal(logs.pathname, '/search');
    assert.equal(logs.searchParams.get('signal'), 'logs');
    assert.equal(logs.searchParams.get('q'), 'service:"payments"');
    assert.equal(logs.searchParams.get('from'), 'now-1h');
    const errorsSearch = new URL((await page.getByTestId('search-errors').getAttribute('href'))!, baseUrl);
    assert.equal(errorsSearch.searchParams.get('q'), 'service:"payments" status:Error');

    // Selecting the failing operation puts it in the URL and shows its example traces.
    await failing.first().getByRole('button').click();
    await page.waitForURL((u) => u.searchParams.get('op') === 'POST /charge');
    await page.getByTestId('selected-operation').waitFor();
    await page.reload();
    await page.getByTestId('selected-operation').waitFor();
    const examples = page.getByTestId('example-traces');
    assert.match(await examples.innerText(), /Example traces of POST \/charge/);
    const errorLinks = examples.getByTestId('error-examples').getByTestId('example-trace-link');
    await errorLinks.first().waitFor();
    assert.equal(await errorLinks.count(), 5);
    const failedTraces = new Set(seeded.traces.filter((t) => t.failed).map((t) => t.traceId));
    for (const id of await errorLinks.evaluateAll((els) =>
      els.map((el) => el.getAttribute('data-trace-id')),
    )) {
      assert.ok(failedTraces.has(id!), `${id} is one of the failed checkouts`);
    }
    const slowest = examples.getByTestId('slowest-examples').getByTestId('example-trace-link');
    await slowest.first().waitFor();
    assert.match(await slowest.first().innerText(), /137ms/, 'the slowest charge took 137ms');
    await screenshot(page, 'service-detail');
    assert.deepEqual(errors, []);

    const href = (await errorLinks.first().getAttribute('href'))!;
    assert.match(href, /^\/trace\/[0-9a-f]{32}\?span=[0-9a-f]{16}$/);
    await errorLinks.first().click();
    await page.waitForURL((u) => u.pathname.startsWith('/trace/'));
    assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, href);
    await page.close();
  });

  test('a service without requests in the range says so and still offers its searches', async () => {
    const { browser, baseUrl } = backend();
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    await page.goto(`${baseUrl}/services/nobody?${RANGE}`);
    await page.getByTestId('service-page').waitFor();
    await page.getByText('No requests to nobody in this time range').waitFor();
    await page.getByTestId('search-spans').waitFor();
    await page.goto(
      `${baseUrl}/services?from=${Date.now() - 7 * 86_400_000}&to=${Date.now() - 6 * 86_400_000}`,
    );
    await page.getByTestId('empty-state').waitFor();
    assert.deepEqual(errors, []);
    await page.close();
  });
} else {
  test('UI end-to-end tests', { skip: peer.skip }, () => {});
}
