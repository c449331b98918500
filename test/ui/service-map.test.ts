import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { chromiumPeer, screenshot, watchPageErrors } from '../support/ui-browser.ts';
import { useUiBackend } from '../support/ui-backend.ts';

const peer = chromiumPeer();
const RANGE = 'from=now-1h&to=now';

const param = (page: Page, key: string) => new URL(page.url()).searchParams.get(key);
const transform = (page: Page) =>
  page.getByTestId('service-map').locator(':scope > g').getAttribute('transform');

if (peer.available) {
  const backend = useUiBackend();

  test('the map shows services, databases and the broker, with the failing call in red', async () => {
    const { browser, baseUrl } = backend();
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors = watchPageErrors(page);
    await page.goto(`${baseUrl}/service-map?${RANGE}`);
    await page.getByTestId('service-map').waitFor();
    const nodes = await page
      .getByTestId('map-node')
      .evaluateAll((els) => els.map((el) => [el.getAttribute('data-node-id'), el.getAttribute('data-kind')]));
    assert.deepEqual(nodes.sort(), [
      ['fulfillment', 'service'],
      ['kafka', 'broker'],
      ['orders', 'service'],
      ['payments', 'service'],
      ['postgresql', 'database'],
      ['redis', 'database'],
      ['web', 'service'],
    ]);
    const edges = await page
      .getByTestId('map-edge')
      .evaluateAll((els) => els.map((el) => el.getAttribute('data-edge')));
    for (const e of [
      'web->orders',
      'orders->postgresql',
      'orders->kafka',
      'kafka->fulfillment',
      'fulfillment->redis',
      'fulfillment->payments',
    ]) {
      assert.ok(edges.includes(e), `${e} in ${edges.join(', ')}`);
    }

    // 8 of 40 charges fail: the call is failing and drawn red; the database calls are healthy and green.
    const failing = page.locator('[data-testid="map-edge"][data-edge="fulfillment->payments"]');
    assert.equal(await failing.getAttribute('data-health'), 'bad');
    assert.equal(await failing.getByTestId('map-edge-line').getAttribute('stroke'), '#fa5252');
    assert.match((await failing.textContent()) ?? '', /40 calls · 20% err/);
    const healthy = page.locator('[data-testid="map-edge"][data-edge="orders->postgresql"]');
    assert.equal(await healthy.getAttribute('data-health'), 'ok');
    assert.equal(await healthy.getByTestId('map-edge-line').getAttribute('stroke'), '#40c057');
    assert.equal(await page.locator('[data-node-id="payments"]').getAttribute('data-health'), 'bad');
    assert.equal(await page.locator('[data-node-id="orders"]').getAttribute('data-health'), 'ok');
    assert.equal(await page.getByTestId('sampled-notice').count(), 0, 'a small range is not sampled');
    await screenshot(page, 'service-map');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('clicking a node or an edge opens its panel, and the selection survives a reload', async () => {
    const { browser, baseUrl } = backend();
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors = watchPageErrors(page);
    await page.goto(`${baseUrl}/service-map?${RANGE}`);
    await page.getByTestId('service-map').waitFor();

    await page.locator('[data-testid="map-node"][data-node-id="payments"]').click();
    await page.waitForURL((u) => u.searchParams.get('node') === 'payments');
    const panel = page.getByTestId('map-panel');
    assert.equal(await panel.getByTestId('panel-title').innerText(), 'payments');
    await panel.locator('[data-testid="panel-operation"][data-operation="POST /charge"]').waitFor();
    assert.match(await panel.getByTestId('panel-stats').innerText(), /20%/);
    const example = panel.getByTestId('error-examples').getByTestId('example-trace-link').first();
    await example.waitFor();
    assert.match((await example.getAttribute('href'))!, /^\/trace\/[0-9a-f]{32}\?span=[0-9a-f]{16}$/);
    await panel.locator('[data-testid="panel-edge-row"][data-edge="fulfillment->payments"]').waitFor();
    await screenshot(page, 'service-map-panel');

    // A database's panel lists its callers.
    await page.locator('[data-node-id="postgresql"]').click();
    await page.waitForURL((u) => u.searchParams.get('node') === 'postgresql');
    await panel.locator('[data-testid="panel-edge-row"][data-edge="orders->postgresql"]').waitFor();
    await panel.getByTestId('slowest-examples').getByTestId('example-trace-link').first().waitFor();
    assert.match(await panel.getByTestId('slowest-examples').innerText(), /INSERT orders/);

    // An edge: its numbers and example traces of exactly those calls.
    await page.locator('[data-testid="map-edge"][data-edge="fulfillment->payments"] text').first().click();
    await page.waitForURL((u) => u.searchParams.get('edge') === 'fulfillment->payments');
    assert.equal(param(page, 'node'), null, 'an edge replaces the node selection');
    await panel
      .getByTestId('panel-title')
      .filter({ hasText: /fulfillment\s*→\s*payments/ })
      .waitFor();
    const stats = async () => (await panel.getByTestId('panel-stats').innerText()).replace(/\s+/g, ' ');
    assert.match(await stats(), /Calls 40 Errors 8 Error rate 20% p50 52\.0ms p95 137ms p99 137ms/);
    // Calls between services are found by parent span, a question for SQL: the search view gets it as SQL.
    const search = new URL(
      (await panel.getByRole('link', { name: 'Search spans' }).getAttribute('href'))!,
      baseUrl,
    );
    assert.equal(search.searchParams.get('lang'), 'sql');
    assert.match(search.searchParams.get('q')!, /ServiceName = 'payments'.*ServiceName = 'fulfillment'/);
    const edgeExample = panel.getByTestId('error-examples').getByTestId('example-trace-link');
    await edgeExample.first().waitFor();
    assert.match(await edgeExample.first().innerText(), /POST \/charge[\s\S]*payments/);

    await page.reload();
    await panel
      .getByTestId('panel-title')
      .filter({ hasText: /fulfillment\s*→\s*payments/ })
      .waitFor();
    assert.match(await stats(), /Calls 40 Errors 8/);
    assert.equal(
      await page.locator('[data-edge="fulfillment->payments"]').first().getAttribute('data-selected'),
      'true',
    );

    await panel.getByRole('button', { name: 'Close the panel' }).click();
    await page.waitForURL((u) => !u.searchParams.has('edge'));
    await page.getByTestId('map-panel').waitFor({ state: 'detached' });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the map pans, zooms and fits, and a drag does not select', async () => {
    const { browser, baseUrl } = backend();
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors = watchPageErrors(page);
    await page.goto(`${baseUrl}/service-map?${RANGE}`);
    const svg = page.getByTestId('service-map');
    await svg.waitFor();
    await page.getByTestId('map-node').first().waitFor();
    // The first frame draws at the identity transform; the fit follows once the map has measured itself.
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="service-map"] > g')?.getAttribute('transform') !==
        'translate(0,0) scale(1)',
    );
    const fitted = await transform(page);
    const box = (await svg.boundingBox())!;
    const scaleOf = (t: string | null) => Number(/scale\(([^)]+)\)/.exec(t ?? '')?.[1]);

    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -300);
    await page.waitForFunction(
      (before) =>
        document.querySelector('[data-testid="service-map"] > g')?.getAttribute('transform') !== before,
      fitted,
    );
    assert.ok(scaleOf(await transform(page)) > scaleOf(fitted), 'wheel up zooms in');

    // Drag from a node: the view moves and nothing is selected.
    const zoomed = await transform(page);
    const node = (await page.locator('[data-node-id="orders"]').boundingBox())!;
    await page.mouse.move(node.x + node.width / 2, node.y + node.height / 2);
    await page.mouse.down();
    await page.mouse.move(node.x + node.width / 2 + 80, node.y + node.height / 2 + 40, { steps: 8 });
    await page.mouse.up();
    assert.notEqual(await transform(page), zoomed);
    assert.equal(param(page, 'node'), null, 'a drag is not a click');

    await page.getByTestId('map-fit').click();
    assert.equal(await transform(page), fitted);

    // A click on the background clears the selection.
    await page.locator('[data-node-id="web"]').click();
    await page.waitForURL((u) => u.searchParams.get('node') === 'web');
    await page.mouse.click(box.x + 12, box.y + box.height - 12);
    await page.waitForURL((u) => !u.searchParams.has('node'));
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a map computed on a sample of traces says so', async () => {
    const { browser, baseUrl } = backend();
    const page = await browser.newPage();
    // Large ranges are sampled by the API; here the answer is marked sampled on its way to the page.
    await page.route('**/api/v1/service-map?*', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { sampledOneIn: number };
      await route.fulfill({ response, json: { ...body, sampledOneIn: 4 } });
    });
    await page.goto(`${baseUrl}/service-map?${RANGE}`);
    const notice = page.getByTestId('sampled-notice');
    await notice.waitFor();
    assert.match(await notice.innerText(), /1 trace in 4/);
    await page.close();
  });

  test('a range without traces shows how to send data', async () => {
    const { browser, baseUrl } = backend();
    const page = await browser.newPage();
    await page.goto(
      `${baseUrl}/service-map?from=${Date.now() - 7 * 86_400_000}&to=${Date.now() - 6 * 86_400_000}`,
    );
    await page.getByTestId('service-map-page').getByTestId('empty-state').waitFor();
    await page.close();
  });
} else {
  test('UI end-to-end tests', { skip: peer.skip }, () => {});
}
